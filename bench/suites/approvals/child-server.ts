// The server under load for the lifecycle measurement, in a process of its own: Tollgate's server
// code on the given database and policy, two approvers and an agent key, announced as one JSON line.
import { serveConfig } from '../../../packages/server/src/config/config.js';
import { startServer } from '../../../packages/server/src/server/start.js';

const [db, policy] = process.argv.slice(2);
if (db === undefined || policy === undefined) throw new Error('usage: child-server.ts <db> <policy folder>');

const server = await startServer(serveConfig({ db, policy, port: 0, host: '127.0.0.1', rateLimit: 0, logLevel: 'warn' }, {}), {
  logger: false,
  watchPolicy: false,
});
const people: string[] = [];
for (const name of ['alice', 'bob']) {
  await server.services.auth.addUser({ name, password: `${name}-password`, role: 'approver', groups: ['approvers'] });
  people.push((await server.services.auth.login(name, `${name}-password`)).token);
}
const agent = (await server.services.auth.createKey('bench-bot')).secret;
console.log(JSON.stringify({ url: server.url, agent, people }));

process.once('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
