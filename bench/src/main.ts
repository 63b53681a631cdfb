import 'reflect-metadata';
import { runBench } from './run-bench';
import { loaderRole } from './roles/loader';
import { peerRole } from './roles/peers';
import { rawRole } from './roles/raw';
import { verifierRole } from './roles/verifier';

/**
 * `node dist/bench/main.js [--smoke] [--out FILE] [--json FILE] [--only 1,3]` runs the benchmarks;
 * the bench starts its helpers from the same bundle: `loader`, `raw`, `verifier`, `peer <kind>`.
 */
function main(): void {
  const role = process.argv[2];
  if (role === 'loader') return loaderRole();
  if (role === 'raw') return rawRole();
  const fail = (err: unknown) => {
    process.stderr.write(`bench ${role ?? ''}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  };
  if (role === 'verifier') return void verifierRole(process.env).catch(fail);
  if (role === 'peer') return void peerRole(process.argv[3], process.env).catch(fail);
  runBench(process.argv.slice(2)).then(() => process.exit(0), fail);
}

main();
