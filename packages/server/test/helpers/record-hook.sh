#!/bin/sh
# For the Claude Code suite: keeps the event Claude Code sends a hook (one JSON line appended to
# $TOLLGATE_TEST_PAYLOADS), then hands it on to the hook command given as the arguments.
input=$(cat)
printf '%s\n' "$input" >> "$TOLLGATE_TEST_PAYLOADS"
printf '%s' "$input" | "$@"
