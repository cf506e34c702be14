// polkadot-api (papi) against a real node: connect (chainHead_v1 / transaction_v1 / chainSpec_v1 / archive_v1
// through papi's own WebSocket middleware, which falls back to legacy methods for any group the node does not
// list), read System.Account through the metadata-typed API, a transfer with signSubmitAndWatch to
// finalization and Utility.batch_all of two transfers. Every method that goes over the wire is recorded
// so the test can check that no legacy method was needed.
// Usage: node check_papi.mjs ws://127.0.0.1:PORT   → one JSON line on stdout.
import { createClient } from "polkadot-api";
import { getWsProvider } from "polkadot-api/ws";
import { getPolkadotSigner } from "polkadot-api/signer";
import { Keyring } from "@polkadot/keyring";
import { cryptoWaitReady } from "@polkadot/util-crypto";
import { WebSocket } from "ws";

const url = process.argv[2];
const UNIT = 10n ** 12n;
const guard = setTimeout(() => {
  console.error("check_papi: timed out");
  process.exit(2);
}, 120_000);

const wire = new Set();
class RecordingWebSocket extends WebSocket {
  send(data, ...rest) {
    for (const message of [JSON.parse(data)].flat()) wire.add(message.method);
    return super.send(data, ...rest);
  }
}

const watch = (tx, signer) =>
  new Promise((resolve, reject) => {
    const seen = [];
    tx.signSubmitAndWatch(signer).subscribe({
      next: (event) => {
        seen.push(event);
        if (event.type === "finalized") resolve(seen);
      },
      error: reject,
    });
  });

const eventNames = (events) => events.map((e) => `${e.type}.${e.value.type}`);

await cryptoWaitReady();
const keyring = new Keyring({ type: "sr25519", ss58Format: 42 });
const [alice, bob, charlie] = ["//Alice", "//Bob", "//Charlie"].map((uri) => keyring.addFromUri(uri));
const signer = getPolkadotSigner(alice.publicKey, "Sr25519", (payload) => alice.sign(payload));

const client = createClient(getWsProvider(url, { websocketClass: RecordingWebSocket }));
const api = client.getUnsafeApi();
const out = {};
try {
  const spec = await client.getChainSpecData();
  out.chainName = spec.name;
  out.genesisHash = spec.genesisHash;
  out.finalizedAtStart = (await client.getFinalizedBlock()).number;
  const free = async (who) => (await api.query.System.Account.getValue(who.address)).data.free;
  const account = await api.query.System.Account.getValue(alice.address);
  out.aliceAccount = { nonce: account.nonce, free: account.data.free.toString(), providers: account.providers };
  const bobBefore = await free(bob);

  const transfer = api.tx.Balances.transfer_keep_alive({ dest: { type: "Id", value: bob.address }, value: UNIT });
  const seen = await watch(transfer, signer);
  const fin = seen.at(-1);
  out.transfer = {
    statuses: seen.map((e) => e.type),
    ok: fin.ok,
    block: { hash: fin.block.hash, number: fin.block.number, index: fin.block.index },
    events: eventNames(fin.events),
    txHash: fin.txHash,
  };
  out.bobDelta = ((await free(bob)) - bobBefore).toString();

  const [bobMid, charlieMid] = [await free(bob), await free(charlie)];
  const batch = api.tx.Utility.batch_all({
    calls: [
      api.tx.Balances.transfer_keep_alive({ dest: { type: "Id", value: bob.address }, value: 2n * UNIT }).decodedCall,
      api.tx.Balances.transfer_keep_alive({ dest: { type: "Id", value: charlie.address }, value: 3n * UNIT }).decodedCall,
    ],
  });
  const batchSeen = await watch(batch, signer);
  const batchFin = batchSeen.at(-1);
  out.batch = {
    statuses: batchSeen.map((e) => e.type),
    ok: batchFin.ok,
    events: eventNames(batchFin.events),
    block: { hash: batchFin.block.hash, number: batchFin.block.number, index: batchFin.block.index },
  };
  out.batchDeltas = [((await free(bob)) - bobMid).toString(), ((await free(charlie)) - charlieMid).toString()];
  out.wire = [...wire].sort();
} finally {
  client.destroy();
  clearTimeout(guard);
}
console.log(JSON.stringify(out));
process.exit(0);
