from __future__ import annotations

from enum import StrEnum


class DnaErrorCode(StrEnum):
    DUPLICATE_ASSET = "duplicate_asset"
    DUPLICATE_LINK = "duplicate_link"
    SELF_LINK = "self_link"
    UNKNOWN_ASSET = "unknown_asset"
    UNKNOWN_STREAM = "unknown_stream"
    STREAM_ATTACHED = "stream_already_attached"
    INVALID_ROWS = "invalid_rows"
    IMPORT_TOO_LARGE = "import_too_large"
    STREAM_KIND_MISMATCH = "stream_kind_mismatch"
    TEMPLATE_INACTIVE = "template_inactive"
    UNKNOWN_ROLE = "unknown_role"
    DUPLICATE_STREAM = "duplicate_stream"
    GRAPH_TOO_LARGE = "graph_too_large"
    GRAPH_UNAVAILABLE = "graph_unavailable"
    NOT_A_CASCADE = "not_a_cascade"
    CASCADE_NOT_READY = "cascade_not_ready"
    UNKNOWN_FIELDS = "unknown_fields"
    INVALID_CASCADE = "invalid_cascade_params"
    ISOLATED_ASSET = "asset_has_no_links"
    INVALID_UPLOAD = "invalid_upload"
    INVALID_DEMO = "invalid_demo"
    NO_SCENARIO = "template_has_no_scenario"
