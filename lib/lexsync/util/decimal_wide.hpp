// --- Interface ---
// The 128-bit arithmetic under Decimal, for code that multiplies several amounts in units
// (1/10000) before it rounds once: an invoice line's quantity × price × (100 % − discount), a
// tax share of a total.
#pragma once

namespace lexsync {

// GCC's 128-bit integer: such products stay exact (-Wpedantic needs __extension__).
__extension__ typedef __int128 WideUnits;

// n / d rounded half away from zero (d > 0).
WideUnits div_round(WideUnits n, WideUnits d);

} // namespace lexsync
