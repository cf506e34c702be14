"""JSON-RPC 2.0 over WebSocket and HTTP on one port, one module per namespace (rpc.md).

Public API: `start_rpc_server(backend, host, port, ...) -> RpcServer` (with `.stop()`, `.port`, `.url`),
`ChainBackend` (contract C6: what the node provides), `build_registry`, `RpcError`.
"""

from .backend import ChainBackend
from .errors import RpcError
from .server import RpcServer, build_registry, start_rpc_server

__all__ = ["ChainBackend", "RpcError", "RpcServer", "build_registry", "start_rpc_server"]
