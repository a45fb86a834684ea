"""Drives the gateway with the official MCP Python SDK (PyPI `mcp`).

Usage: mcp_client.py URL TOKEN MODE CALLS_JSON
  MODE: "legacy" (initialize handshake, 2025-11-25) or "auto" (server/discover, the stateless
  2026-07-28 revision when the server offers it).
  CALLS_JSON: {"tool_name": {arguments}, ...}

Lists the tools, calls each one (the SDK validates structuredContent against the tool's
outputSchema and raises on a mismatch), checks an input error and an unknown tool, and prints
a JSON report on stdout.
"""

import asyncio
import json
import sys

import httpx2
from mcp import Client, MCPError
from mcp.client.streamable_http import streamable_http_client


async def main(url: str, token: str, mode: str, calls: dict) -> dict:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60)
    async with Client(streamable_http_client(url, http_client=http), mode=mode) as client:
        report: dict = {"protocol_version": client.protocol_version, "tools": {}, "calls": {}}
        listed = await client.list_tools()
        for tool in listed.tools:
            props = tool.input_schema.get("properties", {})
            report["tools"][tool.name] = {
                "has_output_schema": tool.output_schema is not None,
                "read_only": bool(tool.annotations and tool.annotations.read_only_hint),
                "undocumented_fields": [f for f, s in props.items() if not s.get("description")],
            }
        for name, args in calls.items():
            result = await client.call_tool(name, args)
            texts = [c.text for c in result.content if getattr(c, "type", "") == "text"]
            structured = result.structured_content or {}
            report["calls"][name] = {
                "is_error": result.is_error,
                "conclusion_text": structured.get("conclusion", {}).get("text"),
                "conclusion_source": structured.get("conclusion", {}).get("source"),
                "first_text": texts[0] if texts else None,
            }
        bad = await client.call_tool("get_positions", {"limit": 9999})
        report["input_error"] = {"is_error": bad.is_error, "text": bad.content[0].text}
        try:
            await client.call_tool("no_such_tool", {})
            report["unknown_tool"] = None
        except MCPError as e:
            report["unknown_tool"] = e.code
        return report


if __name__ == "__main__":
    url, token, mode, calls = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
    print(json.dumps(asyncio.run(main(url, token, mode, calls))))
