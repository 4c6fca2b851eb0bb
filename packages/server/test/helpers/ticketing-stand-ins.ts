// Local stand-ins for Jira (Cloud REST API v3 with Atlassian Document Format, Data Center REST
// API v2 with wiki text) and ServiceNow's Table API, speaking their wire formats: the paths,
// authentication, bodies and answers Tollgate uses. Every request body is checked, Jira's ADF
// against the rules of the published ADF JSON schema (@atlaskit/adf-schema, json-schema/v1/full.json)
// for the node types it may hold and ServiceNow's against the Table API fields and their lengths;
// what does not hold is kept in `violations`. Each can lose the answer to a create it carried out.

import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { sign } from '../../src/services/webhook-signing.js';
import { listen, readBody } from './vendor-stand-ins.js';

type Json = Record<string, any>;

/** A call as a stand-in records it: its JSON body parsed (a body that is not JSON is a violation). */
async function received(
  request: IncomingMessage,
  stand: { calls: { method: string; path: string; body: any }[]; violations: string[] },
): Promise<{ text: string; path: string; body: any }> {
  const text = await readBody(request);
  const path = request.url ?? '';
  let body: any;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    stand.violations.push(`${request.method} ${path}: the body is not JSON`);
  }
  stand.calls.push({ method: request.method ?? '', path, body });
  return { text, path, body };
}

// ---- ADF: the published schema's rules for the nodes and marks a ticket may hold -------------

const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Every rule of the ADF schema `node` breaks, each with its path; unknown node types are refused. */
export function adfProblems(node: unknown, path = 'doc'): string[] {
  const problems: string[] = [];
  const only = (value: Json, at: string, keys: string[]) => {
    for (const key of Object.keys(value))
      if (!keys.includes(key)) problems.push(`${at}: \`${key}\` is not allowed (additionalProperties: false)`);
  };
  const children = (value: Json, at: string, allowed: string[], minItems: number, required: boolean) => {
    if (value.content === undefined) {
      if (required) problems.push(`${at}: \`content\` is required`);
      return;
    }
    if (!Array.isArray(value.content)) {
      problems.push(`${at}.content: must be an array`);
      return;
    }
    if (value.content.length < minItems) problems.push(`${at}.content: at least ${minItems} item(s)`);
    value.content.forEach((child: unknown, index: number) => {
      const where = `${at}.content[${index}]`;
      if (!isObject(child) || typeof child.type !== 'string') problems.push(`${where}: a node needs a \`type\``);
      else if (!allowed.includes(child.type)) problems.push(`${where}: \`${child.type}\` may not be here (allowed: ${allowed.join(', ')})`);
      else problems.push(...adfProblems(child, `${where}<${child.type}>`));
    });
  };
  const noMarks = (value: Json, at: string) => {
    if (value.marks !== undefined && (!Array.isArray(value.marks) || value.marks.length > 0))
      problems.push(`${at}: no marks (maxItems: 0)`);
  };
  if (!isObject(node)) return [`${path}: a node must be an object`];
  const INLINE = ['text', 'hardBreak'];
  switch (node.type) {
    case 'doc':
      only(node, path, ['version', 'type', 'content']);
      if (node.version !== 1) problems.push(`${path}.version: must be 1`);
      children(node, path, ['paragraph', 'heading', 'bulletList', 'blockquote', 'panel', 'rule'], 0, true);
      break;
    case 'paragraph':
      only(node, path, ['type', 'content', 'marks', 'attrs']);
      noMarks(node, path);
      children(node, path, INLINE, 0, false);
      break;
    case 'heading':
      only(node, path, ['type', 'content', 'marks', 'attrs']);
      noMarks(node, path);
      if (!isObject(node.attrs) || typeof node.attrs.level !== 'number' || node.attrs.level < 1 || node.attrs.level > 6)
        problems.push(`${path}.attrs.level: required, a number from 1 to 6`);
      else only(node.attrs, `${path}.attrs`, ['level', 'localId']);
      children(node, path, INLINE, 0, false);
      break;
    case 'bulletList':
      only(node, path, ['type', 'content', 'attrs']);
      children(node, path, ['listItem'], 1, true);
      break;
    case 'listItem':
      only(node, path, ['type', 'content', 'attrs']);
      children(node, path, ['paragraph', 'bulletList'], 1, true);
      break;
    case 'blockquote':
      only(node, path, ['type', 'content', 'attrs']);
      children(node, path, ['paragraph', 'bulletList'], 1, true);
      break;
    case 'panel':
      only(node, path, ['type', 'content', 'attrs']);
      if (!isObject(node.attrs) || !['info', 'note', 'tip', 'warning', 'error', 'success', 'custom'].includes(node.attrs.panelType))
        problems.push(`${path}.attrs.panelType: required, one of info, note, tip, warning, error, success, custom`);
      children(node, path, ['paragraph', 'heading', 'bulletList', 'rule'], 1, true);
      break;
    case 'rule':
      only(node, path, ['type', 'attrs']);
      break;
    case 'hardBreak':
      only(node, path, ['type', 'attrs']);
      break;
    case 'text': {
      only(node, path, ['type', 'text', 'marks']);
      if (typeof node.text !== 'string' || node.text.length < 1) problems.push(`${path}.text: a string of at least 1 character`);
      const marks: unknown[] = node.marks === undefined ? [] : Array.isArray(node.marks) ? node.marks : [null];
      const types = marks.map((mark) => (isObject(mark) ? mark.type : undefined));
      marks.forEach((mark, index) => {
        const at = `${path}.marks[${index}]`;
        if (!isObject(mark)) return problems.push(`${at}: a mark must be an object`);
        if (mark.type === 'link') {
          only(mark, at, ['type', 'attrs']);
          if (!isObject(mark.attrs) || typeof mark.attrs.href !== 'string') problems.push(`${at}.attrs.href: required`);
        } else if (['strong', 'em', 'code'].includes(mark.type)) only(mark, at, ['type']);
        else problems.push(`${at}: mark \`${String(mark.type)}\` is not one a ticket uses`);
        return undefined;
      });
      // code_inline_node: a code mark goes with link (or annotation) marks only.
      if (types.includes('code') && types.some((type) => type === 'strong' || type === 'em'))
        problems.push(`${path}.marks: \`code\` cannot be combined with strong or em`);
      break;
    }
    default:
      problems.push(`${path}: node type \`${String(node.type)}\` is not one a ticket uses`);
  }
  return problems;
}

/** Every text node of an ADF document in order, with its marks. */
export function adfTexts(node: unknown): { text: string; marks: Json[] }[] {
  if (!isObject(node)) return [];
  if (node.type === 'text') return [{ text: node.text, marks: node.marks ?? [] }];
  return Array.isArray(node.content) ? node.content.flatMap(adfTexts) : [];
}

// ---- Jira ------------------------------------------------------------------------------------

export interface JiraIssue {
  id: string;
  key: string;
  project: string;
  issuetype: string;
  summary: string;
  /** ADF on Cloud, wiki text on Data Center. */
  description: unknown;
  labels: string[];
  status: string;
  comments: unknown[];
}

export interface JiraStandIn {
  url: string;
  api: 'cloud' | 'data-center';
  issues: JiraIssue[];
  /** Every call: method, path (with query) and the parsed body. */
  calls: { method: string; path: string; body: any }[];
  violations: string[];
  /** The next create is carried out but answered 502, as when the answer is lost on the way. */
  loseNextCreate: boolean;
  /** The issue as a person moved it to `status`: the `jira:issue_updated` webhook Jira sends for it. */
  move(issue: JiraIssue, status: string, user: { accountId?: string; name?: string }, now: number, comment?: string): Json;
  /** A person's comment on the issue: the `comment_created` webhook. */
  comment(issue: JiraIssue, text: string, user: { accountId?: string; name?: string }, now: number): Json;
  /** The plain text of an issue's description or comment, whatever the format. */
  textOf(body: unknown): string;
  close(): Promise<void>;
}

/** The stand-in's workflow: these transitions lead from any other status to theirs. */
export const JIRA_WORKFLOW = [
  { id: '11', name: 'Approve', to: 'Approved' },
  { id: '21', name: 'Decline', to: 'Declined' },
  { id: '31', name: 'Time out', to: 'Timed out' },
  { id: '41', name: 'Reopen', to: 'Waiting' },
];

export async function startJiraStandIn(options: {
  api: 'cloud' | 'data-center';
  authorization: string;
  project: string;
}): Promise<JiraStandIn> {
  const v = options.api === 'cloud' ? '3' : '2';
  const prefix = `/rest/api/${v}`;
  const stand: JiraStandIn = {
    url: '',
    api: options.api,
    issues: [],
    calls: [],
    violations: [],
    loseNextCreate: false,
    move(issue, status, user, now, comment) {
      const from = issue.status;
      issue.status = status;
      const body: Json = {
        timestamp: now,
        webhookEvent: 'jira:issue_updated',
        issue_event_type_name: 'issue_generic',
        user: { ...user, displayName: user.accountId ?? user.name, active: true },
        issue: {
          id: issue.id,
          key: issue.key,
          self: `${stand.url}${prefix}/issue/${issue.id}`,
          fields: { summary: issue.summary, status: { name: status } },
        },
        changelog: {
          id: String(10_000 + stand.calls.length),
          items: [{ field: 'status', fieldtype: 'jira', fieldId: 'status', from: '1', fromString: from, to: '2', toString: status }],
        },
      };
      if (comment !== undefined) body.comment = { id: '1', body: stand.api === 'cloud' ? adfParagraph(comment) : comment, author: user };
      return body;
    },
    comment(issue, text, user, now) {
      const body = stand.api === 'cloud' ? adfParagraph(text) : text;
      issue.comments.push(body);
      return {
        timestamp: now,
        webhookEvent: 'comment_created',
        comment: {
          id: String(issue.comments.length),
          author: { ...user, displayName: user.accountId ?? user.name },
          body,
          created: new Date(now).toISOString(),
        },
        issue: { id: issue.id, key: issue.key, fields: { summary: issue.summary } },
      };
    },
    textOf(body) {
      return typeof body === 'string'
        ? body
        : adfTexts(body)
            .map((node) => node.text)
            .join('\n');
    },
    close: async () => undefined,
  };
  const checkBody = (what: string, body: unknown) => {
    if (stand.api === 'cloud') {
      if (!isObject(body)) stand.violations.push(`${what}: v3 takes an Atlassian Document Format document, not ${typeof body}`);
      else stand.violations.push(...adfProblems(body).map((problem) => `${what}: ${problem}`));
    } else if (typeof body !== 'string') stand.violations.push(`${what}: v2 takes wiki text, not ${typeof body}`);
    const length = typeof body === 'string' ? body.length : JSON.stringify(body).length;
    if (length > 32_767) stand.violations.push(`${what}: ${length} characters, over Jira's 32,767`);
  };
  const find = (idOrKey: string) => stand.issues.find((issue) => issue.id === idOrKey || issue.key === idOrKey);

  const server = createServer(async (request, response) => {
    const { text, path, body } = await received(request, stand);
    const reply = (status: number, payload?: unknown) => {
      response.writeHead(status, payload === undefined ? {} : { 'content-type': 'application/json;charset=UTF-8' });
      response.end(payload === undefined ? undefined : JSON.stringify(payload));
    };
    if (request.headers.authorization !== options.authorization)
      return reply(401, { errorMessages: ['You are not authenticated.'], errors: {} });
    if (text !== '' && !String(request.headers['content-type']).startsWith('application/json'))
      stand.violations.push(`${request.method} ${path}: content-type \`${request.headers['content-type']}\``);
    const [route, query = ''] = path.split('?');
    if (!route!.startsWith(`${prefix}/`)) return reply(404, { errorMessages: [`no such resource: ${route}`], errors: {} });
    const rest = route!.slice(prefix.length);

    if (request.method === 'POST' && rest === '/issue') {
      const fields = body?.fields ?? {};
      const errors: Record<string, string> = {};
      if (fields.project?.key !== options.project) errors.project = `valid project is required (${String(fields.project?.key)})`;
      if (typeof fields.issuetype?.name !== 'string') errors.issuetype = 'Specify an issue type';
      if (typeof fields.summary !== 'string' || fields.summary === '') errors.summary = 'You must specify a summary of the issue.';
      else if (fields.summary.length > 255) errors.summary = 'Summary must be less than 255 characters.';
      else if (/[\r\n]/.test(fields.summary)) errors.summary = 'The summary is invalid because it contains newline characters.';
      if (
        !Array.isArray(fields.labels) ||
        fields.labels.some((label: unknown) => typeof label !== 'string' || /\s/.test(label) || label.length > 255)
      )
        errors.labels = 'labels are strings without spaces';
      const unknown = Object.keys(fields).filter((key) => !['project', 'issuetype', 'summary', 'description', 'labels'].includes(key));
      if (unknown.length > 0) errors[unknown[0]!] = `Field '${unknown[0]}' cannot be set. It is not on the appropriate screen, or unknown.`;
      checkBody('issue description', fields.description);
      if (Object.keys(errors).length > 0) {
        stand.violations.push(`create issue: ${JSON.stringify(errors)}`);
        return reply(400, { errorMessages: [], errors });
      }
      const n = stand.issues.length + 1;
      const issue: JiraIssue = {
        id: String(10_000 + n),
        key: `${options.project}-${n}`,
        project: options.project,
        issuetype: fields.issuetype.name,
        summary: fields.summary,
        description: fields.description,
        labels: fields.labels,
        status: 'Waiting',
        comments: [],
      };
      stand.issues.push(issue);
      if (stand.loseNextCreate) {
        stand.loseNextCreate = false;
        return reply(502, { errorMessages: ['Bad gateway'] });
      }
      return reply(201, { id: issue.id, key: issue.key, self: `${stand.url}${prefix}/issue/${issue.id}` });
    }

    if (request.method === 'POST' && rest === (stand.api === 'cloud' ? '/search/jql' : '/search')) {
      const match = /^project = "([A-Z0-9_]+)" AND labels = "([^"]+)" ORDER BY created ASC$/.exec(String(body?.jql));
      if (match === null) {
        stand.violations.push(`search: a query the stand-in does not read: ${String(body?.jql)}`);
        return reply(400, { errorMessages: ['Error in the JQL Query'], errors: {} });
      }
      const issues = stand.issues
        .filter((issue) => issue.project === match[1] && issue.labels.includes(match[2]!))
        .slice(0, Number(body?.maxResults ?? 50))
        .map((issue) => ({ id: issue.id, key: issue.key, self: `${stand.url}${prefix}/issue/${issue.id}`, fields: {} }));
      // Cloud's enhanced search pages by token and gives no total; Data Center's gives one.
      return reply(200, stand.api === 'cloud' ? { issues, isLast: true } : { startAt: 0, maxResults: 1, total: issues.length, issues });
    }

    const issueRoute = /^\/issue\/([^/]+)(\/comment|\/transitions)?$/.exec(rest);
    const issue = issueRoute === null ? undefined : find(decodeURIComponent(issueRoute[1]!));
    if (issueRoute !== null && issue === undefined)
      return reply(404, { errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} });
    if (issue !== undefined && issueRoute !== null) {
      if (request.method === 'POST' && issueRoute[2] === '/comment') {
        const unknown = Object.keys(body ?? {}).filter((key) => !['body', 'visibility', 'properties'].includes(key));
        if (unknown.length > 0) stand.violations.push(`comment: unknown fields ${unknown.join(', ')}`);
        checkBody(`comment on ${issue.key}`, body?.body);
        issue.comments.push(body?.body);
        return reply(201, { id: String(issue.comments.length), body: body?.body });
      }
      if (request.method === 'GET' && issueRoute[2] === '/transitions')
        return reply(200, {
          expand: 'transitions',
          transitions: JIRA_WORKFLOW.filter((t) => t.to !== issue.status).map((t) => ({
            id: t.id,
            name: t.name,
            to: { id: t.id, name: t.to },
            hasScreen: false,
          })),
        });
      if (request.method === 'POST' && issueRoute[2] === '/transitions') {
        const chosen = JIRA_WORKFLOW.find((t) => t.id === body?.transition?.id && t.to !== issue.status);
        if (chosen === undefined) return reply(400, { errorMessages: ['Transition id is not valid for this issue.'], errors: {} });
        issue.status = chosen.to;
        return reply(204);
      }
      if (request.method === 'GET' && issueRoute[2] === undefined) {
        if (query !== 'fields=status') stand.violations.push(`get issue: query \`${query}\``);
        return reply(200, { id: issue.id, key: issue.key, fields: { status: { name: issue.status } } });
      }
    }
    return reply(404, { errorMessages: [`no such resource: ${request.method} ${route}`], errors: {} });
  });
  stand.url = await listen(server);
  stand.close = () => new Promise((resolve) => server.close(() => resolve()));
  return stand;
}

function adfParagraph(text: string): Json {
  return { version: 1, type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] };
}

/** Posts a webhook to Tollgate as Jira does: JSON, signed `sha256=<hex HMAC of the body>` with `secret` (none: unsigned). */
export function postJiraWebhook(serverUrl: string, path: string, event: unknown, secret: string | undefined): Promise<Response> {
  const body = JSON.stringify(event);
  return fetch(`${serverUrl}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'x-atlassian-webhook-identifier': String(Math.floor(Math.random() * 1e9)),
      'x-atlassian-webhook-flow': 'Primary',
      ...(secret === undefined ? {} : { 'x-hub-signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` }),
    },
    body,
  });
}

// ---- ServiceNow ------------------------------------------------------------------------------

/** The dictionary of the fields Tollgate writes (change_request, from task), with their max lengths. */
const TABLE_FIELDS: Record<string, number> = {
  short_description: 160,
  description: 4000,
  correlation_id: 100,
  correlation_display: 100,
  work_notes: 4000,
  comments: 4000,
  close_notes: 4000,
  close_code: 40,
  state: 40,
  type: 40,
  category: 40,
  assignment_group: 32,
  priority: 40,
  risk: 40,
  impact: 40,
};

export interface ServiceNowRecord {
  sys_id: string;
  number: string;
  fields: Record<string, string>;
  work_notes: string[];
}

export interface ServiceNowStandIn {
  url: string;
  records: ServiceNowRecord[];
  calls: { method: string; path: string; body: any }[];
  violations: string[];
  loseNextCreate: boolean;
  /** The approval record of a person on the record, as the callback's business rule sends it. */
  approval(record: ServiceNowRecord, approver: string, state: string, comments?: string): Json;
  close(): Promise<void>;
}

export async function startServiceNowStandIn(options: { authorization: string; table?: string }): Promise<ServiceNowStandIn> {
  const table = options.table ?? 'change_request';
  let approvals = 0;
  const stand: ServiceNowStandIn = {
    url: '',
    records: [],
    calls: [],
    violations: [],
    loseNextCreate: false,
    approval(record, approver, state, comments) {
      approvals++;
      return {
        sys_id: `a${String(approvals).padStart(31, '0')}`,
        state,
        approver,
        document_id: record.sys_id,
        source_table: table,
        ...(comments === undefined ? {} : { comments }),
      };
    },
    close: async () => undefined,
  };
  const checkFields = (what: string, body: unknown): Record<string, string> => {
    if (!isObject(body)) {
      stand.violations.push(`${what}: the body must be a JSON object`);
      return {};
    }
    for (const [key, value] of Object.entries(body)) {
      const max = TABLE_FIELDS[key];
      if (max === undefined) stand.violations.push(`${what}: \`${key}\` is not a field of ${table}`);
      else if (typeof value !== 'string') stand.violations.push(`${what}: \`${key}\` must be a string, not ${typeof value}`);
      else if (value.length > max) stand.violations.push(`${what}: \`${key}\` is ${value.length} characters, over its ${max}`);
    }
    return body as Record<string, string>;
  };
  const server = createServer(async (request, response) => {
    const { path, body } = await received(request, stand);
    const reply = (status: number, payload: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json;charset=UTF-8' });
      response.end(JSON.stringify(payload));
    };
    if (request.headers.authorization !== options.authorization)
      return reply(401, {
        error: { message: 'User Not Authenticated', detail: 'Required to provide Auth information' },
        status: 'failure',
      });
    if (request.headers.accept !== 'application/json')
      stand.violations.push(`${request.method} ${path}: accept \`${request.headers.accept}\``);
    const url = new URL(path, 'http://stand-in');
    const route = new RegExp(`^/api/now/table/${table}(?:/([0-9a-f]{32}))?$`).exec(url.pathname);
    if (route === null) return reply(400, { error: { message: 'Invalid table', detail: url.pathname }, status: 'failure' });
    const sysId = route[1];
    if (request.method === 'GET' && sysId === undefined) {
      const query = /^correlation_id=(.+)$/.exec(url.searchParams.get('sysparm_query') ?? '');
      if (query === null) stand.violations.push(`query: \`${url.searchParams.get('sysparm_query')}\``);
      const found = stand.records.filter((record) => record.fields.correlation_id === query?.[1]);
      const limit = Number(url.searchParams.get('sysparm_limit') ?? '10000');
      return reply(200, { result: found.slice(0, limit).map((record) => ({ sys_id: record.sys_id, number: record.number })) });
    }
    if (request.method === 'POST' && sysId === undefined) {
      const fields = checkFields('create', body);
      const n = stand.records.length + 1;
      const record: ServiceNowRecord = {
        sys_id: `${String(n).padStart(4, '0')}${'c'.repeat(28)}`,
        number: `CHG${String(30_000 + n).padStart(7, '0')}`,
        fields: { state: '-5', ...fields },
        work_notes: [],
      };
      stand.records.push(record);
      if (stand.loseNextCreate) {
        stand.loseNextCreate = false;
        return reply(502, { error: { message: 'Bad gateway' }, status: 'failure' });
      }
      return reply(201, { result: { sys_id: record.sys_id, number: record.number } });
    }
    const record = stand.records.find((candidate) => candidate.sys_id === sysId);
    if (record === undefined)
      return reply(404, {
        error: { message: 'No Record found', detail: "Record doesn't exist or ACL restricts the record retrieval" },
        status: 'failure',
      });
    if (request.method === 'PATCH') {
      const { work_notes: note, ...fields } = checkFields(`update ${record.number}`, body);
      if (note !== undefined) record.work_notes.push(note);
      Object.assign(record.fields, fields);
      return reply(200, { result: { sys_id: record.sys_id } });
    }
    return reply(405, { error: { message: 'Method not Supported' }, status: 'failure' });
  });
  stand.url = await listen(server);
  stand.close = () => new Promise((resolve) => server.close(() => resolve()));
  return stand;
}

/** Posts an approval record to Tollgate as the business rule does: JSON signed per Standard Webhooks with `secret` (none: unsigned). */
export function postServiceNowCallback(
  serverUrl: string,
  path: string,
  record: unknown,
  secret: string | undefined,
  timestampSeconds: number,
): Promise<Response> {
  const body = JSON.stringify(record);
  const id = `msg_${Math.floor(Math.random() * 1e12)}`;
  return fetch(`${serverUrl}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(timestampSeconds),
      ...(secret === undefined ? {} : { 'webhook-signature': sign(secret, id, timestampSeconds, body) }),
    },
    body,
  });
}
