"""The token parachain's runtime, the collator's side (issue #10, item 3; SPEC.md in this directory).

Entry points: `executive` (execute_block, build_block, validate_transaction), `relay` (collect_inherent),
`genesis` (genesis_state / genesis_header / genesis_head), `runtime` (RUNTIME, metadata_bytes,
runtime_version), `apis` (the runtime API calls a para RPC serves, metadata V15). Declarations: `system`,
`balances`, `parachain_system`, `xcm_pallet`, `xcm_executor` (pallets), `types`, `relay_state`, `errors`.

Decisions where SPEC.md is silent or ambiguous (taken as Cumulus / FRAME would; the AssemblyScript PVF must
make the same ones, since events and queues are part of the state root):
- D1  Self-transfer (value > 0): the funds and keep-alive checks apply, then nothing moves and `Transfer` is
      emitted; an allow-death self-transfer that would reap never reaps (FRAME reaps then re-creates).
- D2  Reaping on allow-death: `System.KilledAccount` then `Balances.DustLost` (dust > 0 only), then the
      recipient's `System.NewAccount`, `Balances.Endowed` if new, then `Balances.Transfer`.
- D3  `System.KilledAccount` is emitted when an account is reaped (SPEC names only DustLost).
- D4  Applying a signed extrinsic: decode (BadFormat) -> MultiAddress::Id (CannotLookup) -> birth and genesis
      hashes recorded (AncientBirthBlock) -> signature (BadProof; ecdsa never valid) -> non-zero signer
      (BadSigner) -> not a Mandatory call (BadMandatory) -> providers > 0 (Payment) -> nonce (Stale/Future).
      Only set_validation_data may be unsigned (else NoUnsignedValidator). No TransactionFeePaid event.
- D5  Inbound DepositAsset mints with FRAME's `mint_into`: NewAccount, Endowed (if new), then `Balances.Minted`;
      a mint passing u128::MAX issuance fails the program (Arithmetic Overflow).
- D6  Barrier: `BuyExecution{weight_limit: Limited(w)}` needs w.ref_time >= 1_000_000 x instructions
      (proof_size not checked); Unlimited passes.
- D7  Executor: ReceiveTeleportedAsset after ClearOrigin fails; BuyExecution fails if its fees exceed holding;
      DepositAsset takes Wild(All), Wild(AllCounted(n >= 1)) or a Definite set of {1, Here} whose sum covers
      holding, deposits ALL of holding (nothing when holding is 0); any other filter fails; holding left at the
      end is lost.
- D8  HRMP data empty or with a first byte other than 0x00: one failed Processed, id blake2_256(the whole data);
      an undecodable program: one failed Processed for the bytes from that program to the end.
- D9  horizontal_messages keys must be strictly ascending (a canonical BTreeMap), else invalid (hrmp_sender).
- D10 A sender in the proven ingress index whose HrmpChannels value is absent: invalid block (relay_proof); an
      egress recipient whose channel is absent: treated as no channel (messages stay queued).
- D11 LastDmqMqcHead is written by every set_validation_data, even when it is zero.
- D12 LastHrmpMqcHeads holds one entry per sender in the current ingress index (zero heads included);
      the key is absent when the index is empty.
- D13 Versioned call arguments other than V4 do not decode (as xcmp/xcm.py): an invalid transaction, never a
      BadVersion dispatch error.
- D14 A teleport of Fungible(0) is allowed (Burned{amount: 0}).
- D15 "Already processed" = sent_at <= LastRelayChainBlockNumber, or nothing before the para's first block
      (key absent): messages the relay queued at its genesis (sent_at 0: the genesis HRMP channel notices) are
      delivered in block 1. SPEC's "absent = 0" would exclude them while the relay's MQC head includes them, so
      no block could ever be valid (found against the real relay runtime).
- D16 Each downward message must have sent_at > that bound (else message_order), checked before the MQC head;
      each sender's messages likewise, non-decreasing.
- D17 execute_block: extrinsic 0 that is not an unsigned set_validation_data, or set_validation_data
      anywhere else, is rule inherent_position; any other inapplicable extrinsic is invalid_extrinsic.
- D18 Pool validity: priority 0 (no fees), provides (who ++ nonce u32 LE), requires nonce - 1 when ahead,
      longevity until the era's death.
- D19 XCM decoding counts instructions across nested programs: more than 100 in an outermost program and all
      it nests is undecodable (Polkadot's `instructions_count`; xcmp/xcm.py now does this for the relay too),
      so hostile nesting is a failed `Processed` with weight 0, never a decoder crash.
"""
