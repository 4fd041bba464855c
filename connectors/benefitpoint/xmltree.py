"""Native BenefitPoint records as plain Python values, to and from XML elements.

A record is a dict of field name -> text, nested dict or list, in the order read, so that
an `update*` can send back every field it read (custom fields it does not know included).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from xml.etree.ElementTree import Element, SubElement

XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"

# Fields the contract types as arrays: always lists, even with one item or none.
LIST_FIELDS = frozenset({
    "customFieldValues", "attributeValues", "attributeValueDetails", "rateFieldValues",
    "modifications", "deletions", "typesToInclude", "errors",
})

Native = dict[str, Any]


def local_name(tag: str) -> str:
    """`{namespace}name` or `name` -> `name`: children may come under any prefix."""
    return tag.rpartition("}")[2]


def _is_wrapper(element: Element) -> bool:
    # An array serialized as <field><TypeName>…</TypeName>…</field> instead of repeated <field>.
    # Type names start upper-case and hold fields; field names start lower-case (UOM is a leaf).
    children = list(element)
    names = {local_name(child.tag) for child in children}
    return (len(names) == 1 and next(iter(names))[:1].isupper()
            and all(len(child) > 0 for child in children))


def _list_items(element: Element) -> list[Any]:
    if _is_wrapper(element):
        return [to_native(item) for item in element]
    if not list(element) and not (element.text or "").strip():
        return []
    return [to_native(element)]


def to_native(element: Element) -> Any:
    """Leaf -> its text ('' when empty), nil -> None, element with children -> dict."""
    if element.get(XSI_NIL) in {"true", "1"}:
        return None
    children = list(element)
    if not children:
        return element.text or ""
    record: Native = {}
    for child in children:
        name = local_name(child.tag)
        if name in LIST_FIELDS:
            record.setdefault(name, []).extend(_list_items(child))
        elif name in record:
            existing = record[name]
            record[name] = [*existing, to_native(child)] if isinstance(existing, list) else [
                existing, to_native(child)]
        else:
            record[name] = to_native(child)
    return record


def text_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


def append_native(parent: Element, name: str, value: Any) -> None:
    """Add `value` under `parent` as unqualified <name> element(s); None is left out."""
    if value is None:
        return
    if isinstance(value, list | tuple):
        for item in value:
            append_native(parent, name, item)
        return
    child = SubElement(parent, name)
    if isinstance(value, Mapping):
        for key, item in value.items():
            append_native(child, key, item)
    else:
        child.text = text_of(value)
