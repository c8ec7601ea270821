"""Registry of codec singletons by protocol name, imported lazily."""

from __future__ import annotations

import importlib

from lenticular.protocol.codec import Codec

# protocol name -> "module:Class"
_CODECS = {
    "json": "lenticular.protocol.json_rpc:JsonCodec",
    "rest-json": "lenticular.protocol.rest_json:RestJsonCodec",
    "rest-xml": "lenticular.protocol.rest_xml:RestXmlCodec",
    "query": "lenticular.protocol.query:QueryCodec",
    "smithy-rpc-v2-cbor": "lenticular.protocol.cbor_rpc:CborCodec",
}

_instances: dict[str, Codec] = {}


def get(name: str) -> Codec:
    codec = _instances.get(name)
    if codec is None:
        module, cls = _CODECS[name].split(":")
        codec = getattr(importlib.import_module(module), cls)()
        _instances[name] = codec
    return codec
