"""CloudFormation that `chalice package --merge-template` merges, derived from the code's single definitions.

`python -m infrastructure.build` (``make template``) writes ``infrastructure/resources.json`` and the IAM policy
files from the PynamoDB models, the `QueueDef` registry, the gateway responses and the Chalice app itself;
``--check`` fails when a committed file is stale. Nothing here is edited by hand.
"""
