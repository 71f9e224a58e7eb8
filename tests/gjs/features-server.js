// features-server.js: resources, resource templates and prompts made with
// northmcp.js, the GJS twin of tests/python/features_server.py (both are
// driven by tests/python/test_python_features.py).
//
// SPDX-License-Identifier: MIT
import System from 'system';
import {Server, sleep} from '../../bindings/gjs/northmcp.js';

const server = new Server({name: 'Features', version: '1.0.0'});
const NOTES = {groceries: 'milk, eggs', todo: 'write tests'};

server.resource('notes://index', {
    name: 'index', description: 'The titles of all notes', mimeType: 'application/json',
}, () => Object.keys(NOTES).sort());

server.resource('notes://{title}', {name: 'note', description: 'One note'}, async ({title}) => {
    await sleep(0);
    if (!(title in NOTES))
        throw new Error(`no note titled ${title}`);
    return NOTES[title];
});

server.resource('data://blob', {name: 'blob'}, () => new Uint8Array([0, 1, 2]));

server.prompt('summarize', {
    description: 'Summarize a text',
    arguments: {text: {description: 'What to summarize'}, style: {required: false}},
}, ({text, style = 'short'}) => `Summarize in a ${style} way: ${text}`);

server.prompt('dialogue', {arguments: {topic: {}}}, async ({topic}) => {
    await sleep(0);
    return [`Let us talk about ${topic}.`,
        {role: 'assistant', content: 'Gladly.'},
        {role: 'user', content: {type: 'text', text: 'Go on.'}}];
});

server.tool('echo', {description: 'Echo, and say which method called', input: {text: 'string'}},
    ({text}, context) => `${context.get_method()}: ${text}`);

System.exit(server.run());
