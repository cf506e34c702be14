// @polkadot/api against a relaychain network with parachains: read the parachain pallets' storage as any
// Polkadot tool does, watch Paras.Heads advance, and decode ParaInherent.enter from blocks.
// Usage: node check_paras.mjs ws://127.0.0.1:PORT ; prints one JSON line.
import { ApiPromise, WsProvider } from "@polkadot/api";

const url = process.argv[2];
const api = await ApiPromise.create({ provider: new WsProvider(url), noInitWarn: true, throwOnConnect: true });

const parachains = (await api.query.paras.parachains()).map((id) => id.toNumber());
const headBefore = (await api.query.paras.heads(1000)).unwrap().toHex();
const sessionIndex = (await api.query.parasShared.currentSessionIndex()).toNumber();
const activeValidatorKeys = (await api.query.parasShared.activeValidatorKeys()).map((k) => k.toHex());
const activeValidatorIndices = (await api.query.parasShared.activeValidatorIndices()).map((i) => i.toNumber());
const validatorGroups = (await api.query.paraScheduler.validatorGroups()).map((g) => g.map((v) => v.toNumber()));
const availabilityCores = (await api.query.paraScheduler.availabilityCores()).map((c) => c.type);
const pending = await api.query.paraInclusion.pendingAvailability(1000);

// Wait for new blocks: a later head of para 1000, and blocks whose enter carries candidates and bitfields.
const inherents = [];
let headAfter = headBefore;
for (let tries = 0; tries < 40 && (headAfter === headBefore || inherents.length < 3); tries++) {
  await new Promise((r) => setTimeout(r, 500));
  headAfter = (await api.query.paras.heads(1000)).unwrap().toHex();
  const block = await api.rpc.chain.getBlock();
  for (const xt of block.block.extrinsics) {
    if (xt.method.section === "paraInherent" && xt.method.method === "enter") {
      const data = xt.method.args[0];
      inherents.push({
        block: block.block.header.number.toNumber(),
        parentNumber: data.parentHeader.number.toNumber(),
        parentHash: data.parentHeader.hash.toHex(),
        bitfields: data.bitfields.length,
        bitfieldValidators: data.bitfields.map((b) => b.validatorIndex.toNumber()),
        backed: data.backedCandidates.map((c) => ({
          para: c.candidate.descriptor.paraId.toNumber(),
          relayParent: c.candidate.descriptor.relayParent.toHex(),
          headData: c.candidate.commitments.headData.toHex(),
          votes: c.validityVotes.length,
        })),
      });
    }
  }
}
const pendingJson = pending.isSome ? {
  core: pending.unwrap().core.toNumber(), hash: pending.unwrap().hash.toHex(),
  para: pending.unwrap().descriptor.paraId.toNumber(),
} : null;
console.log(JSON.stringify({
  parachains, headBefore, headAfter, sessionIndex, activeValidatorKeys, activeValidatorIndices, validatorGroups,
  availabilityCores, pending: pendingJson, inherents,
}));
await api.disconnect();
process.exit(0);
