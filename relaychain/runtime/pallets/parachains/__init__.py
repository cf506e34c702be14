"""The parachain host runtime (polkadot_runtime_parachains): one module per pallet, driven by `initializer`.

Import order (never upward): shared <- configuration <- paras <- dmp <- hrmp; paras <- scheduler <- inclusion
(which uses dmp and hrmp) <- paras_inherent;
session_info after scheduler; initializer last. Spec: ../shared/specs/parachains.md §3, §6, §7, §11, §13.
"""
