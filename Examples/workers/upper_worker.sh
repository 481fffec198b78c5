#!/bin/sh
# An aslx task worker in POSIX shell + jq: upper-cases the string field "text" of its input.
#
#   aslx run Examples/upper.asl.json --task Upper='sh Examples/workers/upper_worker.sh' < Examples/text.ndjson
#
# Each stdin line is a request {"id", "resource", "input", "context"}; each stdout line is a
# response {"id", "output"} or {"id", "error", "cause"}. jq -c --unbuffered answers one request
# per line as it arrives, so many requests can be in flight at once.
exec jq -c --unbuffered '
  if (.input.text | type) == "string"
  then {id, output: (.input + {text: (.input.text | ascii_upcase)})}
  else {id, error: "Upper.NoText", cause: "the input has no string field \"text\""}
  end'
