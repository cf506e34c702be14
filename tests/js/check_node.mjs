// @polkadot/api against a running relaychain node: node check_node.mjs ws://127.0.0.1:PORT
// Prints one JSON line with what it observed; the pytest side (test_e2e_polkadot_js.py) asserts on it.
import { ApiPromise, WsProvider, Keyring } from '@polkadot/api';

const url = process.argv[2];
const TRANSFER = 1_000_000_000_000n;

function fail(message) {
  console.error(message);
  process.exit(1);
}

setTimeout(() => fail('timeout: @polkadot/api checks did not finish within 100 s'), 100_000).unref();

const provider = new WsProvider(url, false);
await provider.connect();
const api = await ApiPromise.create({ provider, throwOnConnect: true, noInitWarn: true });
const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
const alice = keyring.addFromUri('//Alice');
const bob = keyring.addFromUri('//Bob');

const out = {
  chain: (await api.rpc.system.chain()).toString(),
  genesisHash: api.genesisHash.toHex(),
  specVersion: api.runtimeVersion.specVersion.toNumber(),
  ss58Format: api.registry.chainSS58,
  aliceAddress: alice.address,
};
const before = await api.query.system.account(bob.address);
out.aliceFreeBefore = (await api.query.system.account(alice.address)).data.free.toString();
out.bobFreeBefore = before.data.free.toString();

// A transfer signed by @polkadot/api (mortal era, its own block-hash computation), watched to finalization.
out.statuses = [];
const finalized = await new Promise((resolve, reject) => {
  api.tx.balances.transferKeepAlive(bob.address, TRANSFER)
    .signAndSend(alice, ({ status, events, dispatchError }) => {
      out.statuses.push(status.type);
      if (dispatchError) reject(new Error(`dispatch error ${dispatchError.toString()}`));
      if (status.isInBlock) out.inBlock = status.asInBlock.toHex();
      if (status.isFinalized) {
        out.events = events.map(({ event }) => `${event.section}.${event.method}`);
        resolve(status.asFinalized.toHex());
      }
      if (status.isDropped || status.isInvalid || status.isUsurped) reject(new Error(status.type));
    })
    .catch(reject);
});
out.finalized = finalized;
// The raw RPC stream for a second transfer (signAndSend above may skip InBlock when finality is instant,
// because it fetches the block's events before emitting it).
const signed = await api.tx.balances.transferKeepAlive(bob.address, TRANSFER).signAsync(alice);
out.rawStatuses = await new Promise(async (resolve, reject) => {
  const seen = [];
  const unsub = await api.rpc.author.submitAndWatchExtrinsic(signed, (status) => {
    seen.push(status.type);
    if (status.isFinalized) { unsub(); resolve(seen); }
    if (status.isDropped || status.isInvalid || status.isUsurped) reject(new Error(status.type));
  });
});
const apiAt = await api.at(finalized);
out.bobFreeAfter = (await apiAt.query.system.account(bob.address)).data.free.toString();
const signedBlock = await api.rpc.chain.getBlock(finalized);
out.blockNumber = signedBlock.block.header.number.toNumber();
out.blockHashMatches = signedBlock.block.header.hash.toHex() === finalized;

// New heads: ask the dev node for blocks and watch them arrive in order.
out.heads = [];
await new Promise(async (resolve) => {
  const unsub = await api.rpc.chain.subscribeNewHeads((header) => {
    out.heads.push(header.number.toNumber());
    if (out.heads.length === 3) {
      unsub();
      resolve();
    }
  });
  for (let i = 0; i < 3; i++) await provider.send('dev_newBlock', []);
});

console.log(JSON.stringify(out));
await api.disconnect();
process.exit(0);
