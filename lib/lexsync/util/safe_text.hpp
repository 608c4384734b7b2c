// --- Interface ---
// Text from a server or a file on its way to a person or a program, made safe in one place each
// (and wipe_secret(), which overwrites a secret before its memory is released):
// - redact(): every credential out of a message (the secrets this process holds, and whatever
//   looks like an Authorization header, a bearer token or a client secret);
// - terminal_text(): control characters and escape sequences made visible instead of acted on;
// - json_output_text(): serialized JSON that stays valid UTF-8 and shows no control characters.
#pragma once

#include <string>
#include <string_view>

namespace lexsync {

// Remembers `secret` (an API key, an OAuth token or client secret) for redact(); every BearerToken
// made from a string calls it. Secrets shorter than 8 bytes are not remembered: masking them would
// tear words out of messages, and no credential of the API is that short.
void remember_secret(std::string_view secret);

// Overwrites the bytes of `secret` (in a way the compiler cannot drop) and empties it, so that a
// key, token or body holding one is not left behind in freed memory.
void wipe_secret(std::string& secret);

// `text` with every remembered secret replaced by "***", and the values of credentials it names
// masked: an `Authorization` header's value (its scheme kept: "Bearer ***"), any "Bearer …" or
// "Basic …", and `client_secret`, `access_token`, `refresh_token`, `id_token`, `api_key`,
// `apiKey`, `x-api-key` and `password` followed by ':' or '=' (as JSON, form or header text).
// Applied where server text enters an error (ApiError) and where messages are printed.
std::string redact(std::string_view text);

// `text` as a terminal may show it: C0 control characters, DEL and the bytes of invalid UTF-8 as
// "\xHH", C1 control characters (U+0080–U+009F) as "\u00HH"; the rest unchanged. Nothing is
// dropped, so ESC [2J or a CR can neither clear the screen nor overwrite a line, and the reader
// still sees that they were there.
std::string terminal_text(std::string_view text);

// `json` (serialized JSON) made safe to hand out: every byte that is not part of well-formed UTF-8
// becomes U+FFFD (one per byte), and DEL and the C1 control characters inside strings become
// \u007f and \u0080–\u009f. C0 control characters are escaped by the serializer already. The
// result is valid JSON (RFC 8259) whatever the input's strings held; valid text is unchanged.
std::string json_output_text(std::string_view json);

} // namespace lexsync
