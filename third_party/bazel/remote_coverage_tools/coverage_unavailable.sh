#!/bin/sh
# Coverage tools are not available offline; MIMIC does not run `bazel coverage`.
echo "coverage tools are not available in this offline build" >&2
exit 1
