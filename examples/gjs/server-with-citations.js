// server-with-citations.js: results the North UI can cite, in GJS.
//
// Each result item carries `_north_metadata` (renderer "document", the
// content to show, title, url, and under `meta` the author, last update
// time and page). An array is returned as one text block per item and as
// structured content {result: [...]}.
//
//   gjs -m examples/gjs/server-with-citations.js --transport stdio
//
// SPDX-License-Identifier: MIT

import System from 'system';
import {Server, citation} from '../../bindings/gjs/northmcp.js';

const server = new Server({name: 'Citations Demo', version: '1.0.0', port: 5222});

const DOCUMENTS = [
    ['Quarterly report', 'https://example.com/docs/quarterly-report', 'Jane Doe',
        Date.UTC(2024, 0, 15), 3, 'Revenue grew 12% over the quarter, led by enterprise sales.'],
    ['Onboarding guide', 'https://example.com/docs/onboarding', 'John Smith',
        Date.UTC(2024, 1, 1), 1, 'New employees receive their laptop and accounts on the first day.'],
    ['Security policy', 'https://example.com/docs/security-policy', 'Alex Kim',
        Date.UTC(2023, 10, 30), 7, 'Passwords must be rotated every 90 days and never shared.'],
];

// citation() writes the North 1.13 document shape.
function cited([title, url, author, updated, page, text]) {
    return citation(text, {title, url, authorName: author, lastUpdated: new Date(updated), pageNumber: page});
}

server.tool('search_documents', {
    description: 'Search the company documents; results carry citations',
    input: {query: {type: 'string', description: 'Words to look for'}},
    readOnly: true,
}, ({query}) => {
    const needle = query.toLowerCase();
    return DOCUMENTS
        .filter(([title, , , , , text]) =>
            title.toLowerCase().includes(needle) || text.toLowerCase().includes(needle))
        .map(cited);
});

System.exit(server.run());
