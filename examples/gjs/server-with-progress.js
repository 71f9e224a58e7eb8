// server-with-progress.js: a long-running async tool that reports progress
// (`context.progress()`) and log messages (`context.info()`) while the
// server goes on serving other calls.
//
//   gjs -m examples/gjs/server-with-progress.js --transport stdio
//
// From a build tree, run it under `meson devenv -C build`. The Vala twin is
// examples/vala/server-with-progress.vala.
//
// SPDX-License-Identifier: MIT

import System from 'system';
import {Server, sleep} from '../../bindings/gjs/northmcp.js';

const server = new Server({name: 'Progress', version: '1.0.0', port: 5222});

server.tool('process_items', {
    description: 'Process items one by one, reporting progress',
    input: {items: {type: 'array', items: {type: 'string'}}},
    output: {processed: 'integer', results: {type: 'array', items: {type: 'string'}}},
}, async ({items}, context) => {
    const results = [];
    for (const [i, item] of items.entries()) {
        // Log messages reach clients that set a level (logging/setLevel).
        await context.info(`processing ${item}`);
        await sleep(10); // the work; the main loop serves other calls meanwhile
        results.push(item.toUpperCase());
        // Progress reaches clients that sent a progressToken.
        await context.progress(i + 1, items.length, `processed ${item}`);
    }
    return {processed: results.length, results};
});

System.exit(server.run());
