// server-with-tasks.js: a long-running tool that runs as a task of the
// tasks extension (SEP-2663, protocol revision 2026-07-28). A client that
// declares `io.modelcontextprotocol/tasks` gets a task id at once and polls
// `tasks/get`; other clients get the result in the response.
//
//   gjs -m examples/gjs/server-with-tasks.js --transport streamable-http
//
// From a build tree, run it under `meson devenv -C build`.
//
// SPDX-License-Identifier: MIT

import System from 'system';
import {Server, sleep} from '../../bindings/gjs/northmcp.js';

const server = new Server({name: 'Reports', version: '1.0.0', port: 5222});

server.tool('generate_report', {
    description: 'Write a report on a topic, one step after the other',
    input: {topic: 'string', steps: {type: 'integer', default: 3}},
    taskSupport: 'optional',
}, async ({topic, steps = 3}, context) => {
    for (let step = 1; step <= steps; step++) {
        // Shown by tasks/get while the task runs.
        context.set_task_status_message(`step ${step} of ${steps}`);
        await sleep(200); // the work
        if (context.get_cancellable().is_cancelled())
            throw new Error('cancelled');
    }
    return `Report on ${topic}: ${steps} steps`;
});

System.exit(server.run());
