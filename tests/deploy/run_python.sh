#!/usr/bin/env bash
# Runs a deploy check with Debian's Python 3 (the one python3-yaml is installed for).
exec /usr/bin/python3 "$@"
