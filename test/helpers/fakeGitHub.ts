// A fake GitHub REST API on 127.0.0.1: the issue-comments endpoints of one pull request, paginated as
// GitHub does (Link header, per_page), recording every request it gets.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeComment {
  id: number;
  body: string;
  html_url: string;
}

export interface FakeRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: string;
}

export interface FakeGitHub {
  url: string;
  comments: FakeComment[];
  requests: FakeRequest[];
  /** Answer every request with this status (e.g. 403), when set. */
  failWith: number | null;
  close(): Promise<void>;
}

export async function fakeGitHub(repo: string, pr: number, opts: { pageSize?: number } = {}): Promise<FakeGitHub> {
  const state: Omit<FakeGitHub, 'url' | 'close'> = { comments: [], requests: [], failWith: null };
  let nextId = 1000;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      state.requests.push({ method: req.method ?? '', path: url.pathname + url.search, authorization: req.headers.authorization, body });
      const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(value));
      };
      if (state.failWith) return json(state.failWith, { message: 'Resource not accessible by integration' });
      const list = `/repos/${repo}/issues/${pr}/comments`;
      const one = new RegExp(`^/repos/${repo}/issues/comments/(\\d+)$`).exec(url.pathname);
      if (url.pathname === list && req.method === 'GET') {
        // GitHub caps per_page; the fake caps it lower so a handful of comments spans pages.
        const per = Math.min(Number(url.searchParams.get('per_page') ?? 30), opts.pageSize ?? 100);
        const page = Number(url.searchParams.get('page') ?? 1);
        const slice = state.comments.slice((page - 1) * per, page * per);
        const last = Math.max(1, Math.ceil(state.comments.length / per));
        const link: Record<string, string> =
          page < last
            ? {
                link: `<http://${req.headers.host}${list}?per_page=${per}&page=${page + 1}>; rel="next", <http://${req.headers.host}${list}?per_page=${per}&page=${last}>; rel="last"`,
              }
            : {};
        return json(200, slice, link);
      }
      if (url.pathname === list && req.method === 'POST') {
        const c = {
          id: nextId++,
          body: (JSON.parse(body) as { body: string }).body,
          html_url: `https://github.example/${repo}/pull/${pr}#issuecomment-${nextId}`,
        };
        state.comments.push(c);
        return json(201, c);
      }
      if (one && req.method === 'PATCH') {
        const c = state.comments.find((x) => x.id === Number(one[1]));
        if (!c) return json(404, { message: 'Not Found' });
        c.body = (JSON.parse(body) as { body: string }).body;
        return json(200, c);
      }
      json(404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const fake = Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
  return fake as FakeGitHub;
}
