import { Command, Option } from 'commander';
import { CliError } from './context.js';
import { correlationsCommand, lookupCommand } from './correlations.js';
import { GRAPH_DEFAULTS } from '../store/correlations/graph.js';
import { demoCommand } from './demo.js';
import { orgsCommand, usersCommand } from './access.js';
import { serveCommand } from './serve.js';
import { exclusionsCommand } from './exclusions.js';
import { EXPORT_FORMAT_NAMES, exportCommand } from './export.js';
import { importCommand } from './import.js';
import { librariesCommand } from './libraries.js';
import { taxiiCommand } from './taxii.js';
import { reportCommand } from './report.js';
import { searchCommand } from './search.js';
import { settingsCommand } from './settings.js';
import { feedsCommand } from './feeds.js';
import { serversCommand } from './servers.js';
import { statsCommand } from './stats.js';
import { warninglistsCommand } from './warninglists.js';

const STORE_HELP = `
The store is the SQLite file ./data/cairn.db, or the file CAIRN_DB names; DATABASE_URL=postgres://…
selects PostgreSQL instead.`;

function run(action: () => Promise<number>): Promise<void> {
  return action().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      // Errors the user can act on print their message; anything else is a bug and keeps its stack.
      if (err instanceof CliError) {
        process.stderr.write(`cairn: ${err.message}\n`);
        process.exitCode = err.exitCode;
      } else {
        process.stderr.write(`cairn: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exitCode = 1;
      }
    },
  );
}

export function buildProgram(): Command {
  const program = new Command('cairn')
    .description('Cairn threat-intelligence platform')
    .addHelpText('after', STORE_HELP)
    .showHelpAfterError();

  program.command('import')
    .description('import MISP events: event files, arrays, {"response": [...]}, folders, MISP feeds, or - for standard input; or, with --freetext FILE --event ID, the indicators of a text into an event')
    .argument('[paths...]', 'files, folders or -')
    .option('--distribution <level>', 'distribution (0-4) for events that carry none (default 1, this community)')
    .option('-q, --quiet', 'no progress bar')
    .option('--writers <n>', 'PostgreSQL: transactions writing at once, each on a connection of its own (default 2)')
    .option('--freetext <file>', 'a text (report, list; - for standard input) whose indicators are added to --event')
    .option('--event <id>', 'with --freetext: the event (id or uuid) the indicators are added to')
    .option('--enforce-warninglist', 'with --freetext: leave out values on enabled warninglists')
    .action((paths: string[], opts) => run(() => importCommand(paths, opts)));

  program.command('export')
    .description('export events as MISP JSON, a MISP feed, a STIX 2.1 bundle, CSV, text, hashes, Suricata/Snort/Zeek rules or a DNS RPZ zone')
    .argument('[event]', 'event uuid or id')
    .option('--all', 'every event')
    .addOption(new Option('--format <format>', 'output format').choices(EXPORT_FORMAT_NAMES).default('misp-json'))
    .option('--out <path>', 'file (misp-json) or folder (misp-feed) to write')
    .option('--enforce-warninglist', 'leave out attributes whose values are on an enabled warninglist')
    .option('--grouping', 'with --format stix2: each event as a grouping instead of a report')
    .action((event: string | undefined, opts) => run(() => exportCommand(event, opts)));

  program.command('report')
    .description("print an event as a threat report in the seeds' format")
    .argument('<event>', 'event uuid or id')
    .option('--redact <types>', 'comma-separated attribute types to print as <type>')
    .option('--related', 'end with the events that share values with this one')
    .action((event: string, opts) => run(() => reportCommand(event, opts)));

  program.command('search')
    .description('search attributes by value (exact, or with % wildcards), type, category, tag and event')
    .argument('[value]', 'value or %pattern%')
    .option('--value <value>', 'value or %pattern%')
    .option('--type <types>', 'comma-separated attribute types')
    .option('--category <categories>', 'comma-separated categories')
    .option('--tag <tag>', 'tag on the attribute or its event (repeatable; % wildcards)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--event <event>', 'event uuid or id')
    .option('--limit <n>', 'at most this many results')
    .option('--json', 'JSON instead of a table')
    .option('--enforce-warninglist', 'leave out attributes whose values are on an enabled warninglist')
    .action((value: string | undefined, opts) => run(() => searchCommand(value, opts)));

  program.command('stats')
    .description('counts of events, attributes and objects, attributes by type and the most used tags')
    .option('--json', 'JSON instead of text')
    .action((opts) => run(() => statsCommand(opts)));

  program.command('correlations')
    .description('the events that share values with an event (or one attribute), its over-correlating values, or the graph around it')
    .argument('<id>', 'event uuid or id, or an attribute uuid')
    .option('--json', 'JSON instead of text')
    .option('--graph', 'the graph of correlated events around the event')
    .option('--depth <n>', `with --graph: steps away from the event (default ${GRAPH_DEFAULTS.depth})`)
    .option('--max-nodes <n>', `with --graph: the most events drawn (default ${GRAPH_DEFAULTS.maxNodes})`)
    .action((event: string, opts) => run(() => correlationsCommand(event, opts)));

  program.command('lookup')
    .description('the events holding a value, and whether it is over-correlating')
    .argument('<value>', 'the value')
    .option('--json', 'JSON instead of text')
    .action((value: string, opts) => run(() => lookupCommand(value, opts)));

  program.command('exclusions')
    .description('values or %patterns% left out of correlation: list, add VALUE, remove VALUE')
    .argument('[action]', 'add or remove; nothing lists them')
    .argument('[value]', 'the value, or a pattern with % wildcards')
    .option('--comment <text>', 'why it is excluded')
    .action((action: string | undefined, value: string | undefined, opts) => run(() => exclusionsCommand(action, value, opts)));

  program.command('warninglists')
    .description('MISP warninglists: list; load DIR; enable|disable NAME... (or --all); check VALUE [--type T]')
    .argument('[action]', 'load, enable, disable or check; nothing lists them')
    .argument('[args...]', 'the directory, list names, or value')
    .option('--all', 'with enable or disable: every list')
    .option('--disabled', 'with load: store new lists disabled')
    .option('--type <type>', 'with check: the attribute type, so that only lists for that type apply')
    .option('--json', 'JSON instead of text')
    .action((action: string | undefined, args: string[], opts) => run(() => warninglistsCommand(action, args, opts)));

  program.command('libraries')
    .description('MISP community libraries: list; load DIR (taxonomies, galaxies, object templates, noticelists, warninglists); enable|disable NAME...')
    .argument('[action]', 'load, enable or disable; nothing lists them')
    .argument('[args...]', 'the directory, or taxonomy namespaces and noticelist names')
    .option('--json', 'JSON instead of text')
    .action((action: string | undefined, args: string[], opts) => run(() => librariesCommand(action, args, opts)));

  program.command('taxii')
    .description('TAXII 2.1 collections: list; add TITLE [--tag TAG | --sharing-group ID] [--root NAME] [--alias A] [--read-only]; remove ID|ALIAS')
    .argument('[action]', 'add or remove; nothing lists them')
    .argument('[args...]', 'the title (add) or the collection (remove)')
    .option('--root <name>', 'with add: the API root that holds it (default cairn)')
    .option('--tag <tag>', 'with add: the collection holds the events carrying this tag')
    .option('--sharing-group <group>', 'with add: the collection holds the events shared with this sharing group (id, uuid or name)')
    .option('--alias <alias>', 'with add: a name clients may use instead of its id')
    .option('--description <text>', 'with add: what it holds, for clients')
    .option('--read-only', 'with add: clients may not POST or DELETE objects')
    .option('--json', 'list as JSON')
    .action((action: string | undefined, args: string[], opts) => run(() => taxiiCommand(action, args, opts)));

  program.command('feeds')
    .description('feeds: list; add NAME URL [--format misp|csv|freetext|taxii] [--local] [--interval MIN] [--enable] [--cache]; enable|disable ID...; fetch ID...|--all; cache ID...|--all; defaults [DIR]')
    .argument('[action]', 'add, enable, disable, fetch, cache or defaults; nothing lists them')
    .argument('[args...]', 'the name and url (add), feed ids, or folders holding the default list')
    .option('--format <format>', 'with add: misp (default), csv, freetext or taxii')
    .option('--provider <name>', 'with add: who publishes it (default: its name)')
    .option('--local', 'with add: the url is a folder (MISP feed) or file on this machine')
    .option('--distribution <n>', 'with add: distribution of what it brings, 0 to 4 (default 0)')
    .option('--interval <minutes>', 'with add: fetched by `cairn serve` every so many minutes (default 0: only when asked)')
    .option('--enable', 'with add: enabled at once')
    .option('--cache', 'with add: its values cached for feed hits')
    .option('--all', 'with enable, disable, fetch or cache: every feed (fetch: the enabled ones; cache: the caching ones)')
    .option('--json', 'JSON instead of text')
    .action((action: string | undefined, args: string[], opts) => run(() => feedsCommand(action, args, opts)));

  program.command('servers')
    .description('remote MISP or Cairn instances: list; add NAME --url URL --key KEY --remote-org ORG [--on pull,push,…]; edit ID …; delete ID; test ID; pull ID [full|incremental|UUID]; push ID [full|incremental|EVENT_ID]; runs ID')
    .argument('[action]', 'add, edit, delete, test, pull, push or runs; nothing lists them')
    .argument('[args...]', 'the name (add), or the server id then the scope (pull, push)')
    .option('--name <name>', 'with edit: a new name')
    .option('--url <url>', "the remote's base url")
    .option('--key <key>', "the remote sync user's key (kept encrypted, never shown again)")
    .option('--remote-org <org>', 'the organisation the remote instance is: id, name or uuid')
    .option('--on <flags...>', "MISP's flags to switch on: pull, push, push_sightings, push_galaxy_clusters, pull_galaxy_clusters, internal, self_signed, unpublish_event, …")
    .option('--off <flags...>', "MISP's flags to switch off")
    .option('--pull-rules <json>', "MISP's pull rules (JSON)")
    .option('--push-rules <json>', "MISP's push rules (JSON)")
    .option('--pull-interval <minutes>', 'pulled (incrementally) by `cairn serve` every so many minutes (0: only when asked)')
    .option('--push-interval <minutes>', 'pushed (incrementally) by `cairn serve` every so many minutes (0: only when asked)')
    .option('--json', 'JSON instead of text')
    .action((action: string | undefined, args: string[], opts) => run(() => serversCommand(action, args, opts)));

  program.command('settings')
    .description('list the instance settings, or set one: cairn settings NAME VALUE')
    .argument('[name]', 'setting to change')
    .argument('[value]', 'its new value')
    .action((name: string | undefined, value: string | undefined) => run(() => settingsCommand(name, value)));

  program.command('serve')
    .description("serve MISP's REST API (127.0.0.1:8080 unless --host/--port or CAIRN_HOST/CAIRN_PORT)")
    .option('--host <host>', 'address to listen on')
    .option('--port <port>', 'port to listen on')
    .option('--cert <file>', 'TLS certificate (PEM): serve HTTPS, with --key')
    .option('--key <file>', 'TLS private key (PEM)')
    .option('--log', 'log every request')
    .option('--workers <n>', 'server processes on the one port (default: one per core; CAIRN_WORKERS)')
    .addHelpText('after', `
CAIRN_LIBRARIES names the folders (separated as in PATH) holding MISP's libraries, as for
\`cairn libraries load\`: the API's taxonomies/update, galaxies/update, warninglists/update,
noticelists/update and objectTemplates/update reload from them. Unset, those answer an error.`)
    .action((opts) => run(() => serveCommand(opts)));

  program.command('orgs')
    .description('list the organisations, or add a local one: cairn orgs add NAME')
    .argument('[action]', 'add; nothing lists them')
    .argument('[name]', 'the organisation')
    .action((action: string | undefined, name: string | undefined) => run(() => orgsCommand(action, name)));

  program.command('users')
    .description('list the users; add EMAIL [--org NAME] [--role ROLE] (prints his API key); key EMAIL (a new key); password EMAIL (a new password for the web interface)')
    .argument('[action]', 'add, key or password; nothing lists them')
    .argument('[email]', 'the user')
    .option('--org <name>', 'with add: his organisation (default: the host organisation)')
    .option('--role <role>', 'with add: admin, Org Admin, User (default), Publisher, Sync user or Read Only')
    .option('--comment <text>', 'what the key is for')
    .action((action: string | undefined, email: string | undefined, opts) => run(() => usersCommand(action, email, opts)));

  program.command('demo')
    .description('import the bundled sample feed and print one of its events as a report')
    .action(() => run(() => demoCommand()));

  return program;
}

await buildProgram().parseAsync(process.argv);
