#!/bin/bash
# The layering ARCHITECTURE.md describes, checked on the sources: inside lib/lexsync a folder
# includes only folders below it (util < formats < http < store < api < records), lib/ includes
# nothing of cli/ or commands/, cli/ (but its main.cpp) includes nothing of commands/, and the
# sandbox (the emulator) includes of lexsync only util/: no client, transport or store.
# Usage: layers.sh SOURCE_DIR. Prints every include that points the wrong way; exit 1 if any.
set -u
cd "$1" || exit 2
order=(util formats http store api records)
rank() {
    local i
    for i in "${!order[@]}"; do [ "${order[$i]}" = "$1" ] && echo "$i" && return; done
    echo -1
}
bad=0
for dir in lib/lexsync/*/; do
    layer=$(basename "$dir")
    r=$(rank "$layer")
    if [ "$r" = -1 ]; then echo "lib/lexsync/$layer: not a known layer"; bad=1; continue; fi
    for f in "$dir"*.[ch]pp; do
        while read -r target; do
            t=$(rank "$target")
            if [ "$t" -gt "$r" ]; then echo "$f includes lexsync/$target/ (above $layer)"; bad=1; fi
        done < <(grep -oE '^#include [<"]lexsync/[a-z_]+/' "$f" | sed -E 's#.*lexsync/##; s#/$##' | sort -u)
    done
done
if ls lib/lexsync/*.[ch]pp >/dev/null 2>&1; then echo "lib/lexsync: modules outside a layer folder"; bad=1; fi
if grep -rnE '^#include [<"](cli|commands)/' lib; then bad=1; fi
if grep -rnE '^#include [<"]commands/' cli --include='*.[ch]pp' | grep -v '^cli/main.cpp:'; then bad=1; fi
if grep -rnE '^#include [<"](lexsync|cli|commands)/' sandbox --include='*.[ch]pp' --include='*.in' |
    grep -vE ':#include [<"]lexsync/util/'; then
    bad=1
fi
exit $bad
