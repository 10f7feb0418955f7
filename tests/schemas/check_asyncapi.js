// Parses and validates schemas/asyncapi.yaml with the real AsyncAPI parser
// (npm @asyncapi/parser with its Avro schema parser, installed by
// deploy/local/setup.sh into /var/cache/casewatch/npm). Fails on any
// diagnostic of severity error, and unless the document has the channels and
// Avro payloads it should (so a parser that resolved nothing cannot pass).
// Usage: node check_asyncapi.js NPM_PREFIX schemas/asyncapi.yaml
'use strict';
const fs = require('fs');
const path = require('path');

const [prefix, file] = process.argv.slice(2);
if (!prefix || !file) {
    console.error('usage: check_asyncapi.js NPM_PREFIX asyncapi.yaml');
    process.exit(2);
}
const mods = path.join(prefix, 'node_modules');
let Parser, fromFile, AvroSchemaParser;
try {
    ({ Parser, fromFile } = require(path.join(mods, '@asyncapi/parser')));
    ({ AvroSchemaParser } = require(path.join(mods, '@asyncapi/avro-schema-parser')));
} catch (e) {
    console.error(`cannot load @asyncapi/parser from ${mods} (run deploy/local/setup.sh): ${e.message}`);
    process.exit(1);
}

(async () => {
    const parser = new Parser();
    parser.registerSchemaParser(AvroSchemaParser());
    const { document, diagnostics } = await fromFile(parser, path.resolve(file)).parse();
    const severities = ['error', 'warning', 'info', 'hint'];
    let errors = 0;
    for (const d of diagnostics) {
        const sev = severities[d.severity] || String(d.severity);
        if (d.severity === 0)
            errors++;
        console.log(`${sev}: ${d.code}: ${d.message} at ${JSON.stringify(d.path)}`);
    }
    if (errors || !document) {
        console.error(`FAIL: ${errors} error diagnostic(s)${document ? '' : ', no document'}`);
        process.exit(1);
    }
    const want = ['case-events', 'case-alerts', 'case-events-dlq', 'casewatch-state', 'case-alert-actions'];
    const have = document.channels().all().map((c) => c.address());
    const missing = want.filter((a) => !have.includes(a));
    // The Avro payloads must have been read from the .avsc files and
    // converted by the Avro schema parser (records become objects).
    let avro = 0;
    for (const m of document.messages().all()) {
        const j = m.payload() && m.payload().json();
        const s = j && j.schema;
        if (/avro/.test(m.schemaFormat() || '') && s && s.type === 'object' &&
            Object.keys(s.properties || {}).length >= 5)
            avro++;
    }
    if (missing.length || avro < 2) {
        console.error(`FAIL: channels missing: ${missing.join(', ') || 'none'}; Avro payloads resolved: ${avro} (want 2)`);
        process.exit(1);
    }
    console.log(`ok: ${have.length} channels, ${document.messages().all().length} messages, ${avro} Avro payloads, ${diagnostics.length} non-error diagnostics`);
})().catch((e) => {
    console.error(`FAIL: ${e.stack || e}`);
    process.exit(1);
});
