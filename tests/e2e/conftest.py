"""The end-to-end tests' local cloud: the tree ``make run`` starts, on free ports, one per test module.

`local_cloud` starts unseeded; seed it with ``local_cloud.seed()`` (the demo data) or
``local_cloud.seed(demo_data.halls(n))``. A module that needs other settings makes its own fixture:
``cloud = local_cloud_fixture(env={"HOLD_SECONDS": "5"})`` (scripts/localcloud/harness.py).
"""

from __future__ import annotations

from scripts.localcloud.harness import local_cloud_fixture

local_cloud = local_cloud_fixture(scope="module")
