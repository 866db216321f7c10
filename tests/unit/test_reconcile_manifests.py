"""A ``manifest.json`` beside an export that is not the shape Cost Management writes (a hand-edited file, another
tool's manifest) is an ``ExportError`` naming it, like every other unreadable part of a bill, never an
AttributeError or ValueError that the CLI can only call a bug of ours."""

from __future__ import annotations

import json

import pytest

from otel_aicost.finops.reconcile import ExportError
from otel_aicost.finops.reconcile.export_reader import read_export
from tests.support import cost_exports
from tests.unit.test_reconcile import CHARGES


@pytest.mark.parametrize(
    "manifest",
    [
        [{"blobName": "part_0_0001.csv"}],
        {"blobs": "part_0_0001.csv"},
        {"blobs": ["part_0_0001.csv"]},
        {"blobs": [{"blobName": "part_0_0001.csv", "dataRowCount": "many"}]},
        {"blobs": [{"blobName": "part_0_0001.csv", "dataRowCount": None}]},
    ],
)
def test_a_manifest_of_the_wrong_shape_is_an_export_error_naming_it(tmp_path, manifest):
    cost_exports.write_csv(tmp_path / "part_0_0001.csv", [cost_exports.row(c) for c in CHARGES])
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ExportError, match=r"manifest.json: not a Cost Management manifest"):
        read_export([str(tmp_path)])
