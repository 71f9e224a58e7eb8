// server-with-prompts.js: prompts — templates of messages the user picks
// in the client — with required and optional arguments.
//
//   gjs -m examples/gjs/server-with-prompts.js --transport stdio
//
// From a build tree, run it under `meson devenv -C build`. The Vala twin is
// examples/vala/server-with-prompts.vala.
//
// SPDX-License-Identifier: MIT

import System from 'system';
import {Server} from '../../bindings/gjs/northmcp.js';

const server = new Server({name: 'Prompts', version: '1.0.0', port: 5222});

// A string is one user message. Arguments are required unless they say not.
server.prompt('review_code', {
    description: 'Ask for a review of some code',
    arguments: {
        code: {description: 'The code to review'},
        language: {description: 'Its programming language', required: false},
    },
}, ({code, language}) => `Please review this ${language ? `${language} ` : ''}code:\n\n${code}`);

// An array holds several messages, each a string (user) or {role, content}.
server.prompt('debug_error', {
    description: 'Start a debugging conversation',
    arguments: {error: {description: 'The error message'}},
}, ({error}) => [
    `I'm seeing this error: ${error}`,
    {role: 'assistant', content: "I'll help debug that. What have you tried so far?"},
]);

System.exit(server.run());
