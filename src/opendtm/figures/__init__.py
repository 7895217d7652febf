"""Displacement figures: the one query layer every output (CLI, web, API, exports) reads from."""
