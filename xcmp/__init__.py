"""Message-passing rules shared by the relay runtime and parachains: HRMP, DMP, UMP, MQC heads.

`types` (the SCALE structures), `mqc` (message queue chains), `acceptance` (the rules a candidate's messaging
outputs must follow), `errors` (their typed rejections), `notifications` (the relay's HRMP XCM notices),
`xcm` (the XCM V4 format: locations, assets, instructions, versioned envelopes).
Spec: ../shared/specs/xcmp.md. Imports only `relaychain.primitives`.
"""
