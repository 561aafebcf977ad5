"""Catalogue: the shared facilities (voorzieningen) with their factsheets, lifecycle, binding
level, costs and the decisions of the College voor Dienstverleningszaken."""
