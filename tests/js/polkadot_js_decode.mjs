// Decodes our metadata, events, an extrinsic, an AccountInfo and storage values with @polkadot/types (run by
// test_polkadot_js.py and test_paras_slashing.py).
import { TypeRegistry, Metadata } from '@polkadot/types';
import { readFileSync } from 'fs';
const input = JSON.parse(readFileSync(0, 'utf8'));
const registry = new TypeRegistry();
const metadata = new Metadata(registry, input.metadata);
registry.setMetadata(metadata);
const latest = metadata.asLatest;
const out = {
  version: metadata.version,
  pallets: latest.pallets.map(p => [p.name.toString(), p.index.toNumber()]),
  signedExtensions: (latest.extrinsic.transactionExtensions || latest.extrinsic.signedExtensions).map(s => s.identifier.toString()),
};
if (metadata.version === 15) {
  const v15 = metadata.asV15;
  out.apis = v15.apis.map(a => [a.name.toString(), a.methods.map(m => m.name.toString())]);
  const lookup = registry.lookup;
  out.outerEnums = ['callType', 'eventType', 'errorType'].map(
    k => lookup.getSiType(v15.outerEnums[k]).path.map(p => p.toString()).join('::'));
  out.methodOutputs = Object.fromEntries(v15.apis.flatMap(a => a.methods.map(
    m => [a.name.toString() + '_' + m.name.toString(), lookup.getTypeDef(m.output).type])));
}
if (input.events) {
  const evs = registry.createType('Vec<FrameSystemEventRecord>', input.events);
  out.events = evs.map(e => [e.phase.toString(), e.event.section + '.' + e.event.method, e.event.data.toJSON()]);
}
if (input.extrinsic) {
  const xt = registry.createType('Extrinsic', input.extrinsic);
  out.extrinsic = { signer: xt.signer.toString(), method: xt.method.section + '.' + xt.method.method,
                    args: xt.method.args.map(a => a.toJSON()), nonce: xt.nonce.toNumber(), isSigned: xt.isSigned,
                    hash: xt.hash.toHex() };
}
if (input.values) {  // [[type name in the metadata's lookup, hex], ...]
  out.values = input.values.map(([type, hex]) => registry.createType(type, hex).toJSON());
}
if (input.account) {
  out.account = registry.createType('FrameSystemAccountInfo', input.account).toJSON();
}
console.log(JSON.stringify(out));
