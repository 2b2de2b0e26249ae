#!/usr/bin/env python3
"""samtranslate.py [--drop PROPERTY] TEMPLATE [Name=Value ...] [-- [--drop P] TEMPLATE [Name=Value ...] ...]

Prints, as a JSON list (one per "--"-separated run, in order, so Python
starts once), the CloudFormation template the SAM transform
(aws-sam-translator, which cfn-lint also runs) makes of TEMPLATE with the
given parameter values, offline: each function's CodeUri becomes a made-up
S3 object, as `sam deploy` would upload it, and managed policies come from
cfn-lint's copy. --drop removes a property from every function first (the
release tests drop AutoPublishCodeSha256 to show what it fixes).
"""
import json
import os
import sys

from cfnlint.data import Serverless
from cfnlint.decode import decode
from cfnlint.helpers import load_resource
from samtranslator.parser import parser
from samtranslator.translator.translator import Translator


def main(argv):
    runs, cur = [], []
    for a in argv:
        if a == "--":
            runs.append(cur)
            cur = []
        else:
            cur.append(a)
    runs.append(cur)
    out = []
    for r in runs:
        t = translate(r)
        if t is None:
            print(__doc__, file=sys.stderr)
            return 2
        out.append(t)
    json.dump(out, sys.stdout, indent=1, sort_keys=True, default=str)
    return 0


def translate(argv):
    drop = None
    if len(argv) > 1 and argv[0] == "--drop":
        drop, argv = argv[1], argv[2:]
    if not argv:
        return None
    template, matches = decode(argv[0])
    if matches:
        raise SystemExit("\n".join(str(m) for m in matches))
    params = dict(a.split("=", 1) for a in argv[1:])
    template.get("Globals", {}).get("Function", {}).pop("CodeUri", None)
    for name, res in template.get("Resources", {}).items():
        if res.get("Type") == "AWS::Serverless::Function":
            props = res.setdefault("Properties", {})
            props["CodeUri"] = "s3://todofn-artifacts/" + name + ".zip"
            if drop:
                props.pop(drop, None)
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")
    translator = Translator(managed_policy_map=load_resource(Serverless, "ManagedPolicies.json"), sam_parser=parser.Parser())
    return translator.translate(sam_template=template, parameter_values=params, passthrough_metadata=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
