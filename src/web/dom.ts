/**
 * The few browser APIs the dashboard uses, typed by shape. The package compiles against Node's
 * types only (no DOM library), so the front end declares what it needs here rather than
 * pulling browser globals into every other file of the package.
 *
 * Everything that puts text on the page goes through {@link h} and {@link s}: text becomes
 * text nodes, attributes are set one by one, event handler attributes and non-local URLs are
 * refused. There is no `innerHTML` anywhere.
 */

export interface DomEvent {
  preventDefault(): void;
  readonly target: unknown;
  readonly button: number;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly shiftKey: boolean;
  readonly altKey: boolean;
}

export interface DomNode {
  textContent: string | null;
}

export interface DomElement extends DomNode {
  readonly tagName: string;
  value: string;
  setAttribute(name: string, value: string): void;
  getAttribute(name: string): string | null;
  appendChild(child: DomNode): DomNode;
  replaceChildren(...nodes: DomNode[]): void;
  prepend(...nodes: DomNode[]): void;
  remove(): void;
  closest(selectors: string): DomElement | null;
  querySelector(selectors: string): DomElement | null;
  addEventListener(type: string, listener: (event: DomEvent) => void): void;
  scrollIntoView(options?: { block?: 'start' | 'center' | 'end' | 'nearest' }): void;
  readonly childElementCount: number;
  readonly lastElementChild: DomElement | null;
  readonly classList: { add(...names: string[]): void; remove(...names: string[]): void; toggle(name: string, force?: boolean): boolean };
}

export interface DomDocument {
  title: string;
  createElement(tagName: string): DomElement;
  createElementNS(namespace: string, qualifiedName: string): DomElement;
  createTextNode(data: string): DomNode;
  getElementById(id: string): DomElement | null;
  addEventListener(type: string, listener: (event: DomEvent) => void): void;
  readonly readyState: string;
}

export interface HttpResponse {
  readonly ok: boolean;
  readonly status: number;
  json(): Promise<unknown>;
}

export interface MessageLike {
  readonly data: string;
  readonly lastEventId: string;
}

export interface ServerSentEvents {
  onopen: (() => void) | null;
  onerror: (() => void) | null;
  addEventListener(type: string, listener: (event: MessageLike) => void): void;
  close(): void;
  readonly readyState: number;
}

export interface Browser {
  readonly document: DomDocument;
  readonly location: { readonly pathname: string; readonly search: string; readonly hash: string };
  readonly history: { pushState(state: null, unused: string, url: string): void };
  addEventListener(type: string, listener: (event: DomEvent) => void): void;
  fetch(url: string, init?: { headers?: Record<string, string>; signal?: unknown }): Promise<HttpResponse>;
  readonly EventSource: new (url: string) => ServerSentEvents;
  setTimeout(handler: () => void, ms: number): number;
  clearTimeout(id: number | undefined): void;
  scrollTo(x: number, y: number): void;
}

/** The browser's globals, by shape. */
export const browser = globalThis as unknown as Browser;

const SVG_NS = 'http://www.w3.org/2000/svg';

export type Child = DomNode | string | number | null | undefined | false | readonly Child[];
export type AttrValue = string | number | boolean | null | undefined;

export interface Props {
  class?: string;
  attrs?: Record<string, AttrValue>;
  on?: Record<string, (event: DomEvent) => void>;
}

/** Sets one attribute, refusing event handlers, inline styles and URLs that leave the dashboard. */
export function setAttr(el: DomElement, name: string, value: AttrValue): void {
  if (value === null || value === undefined || value === false) return;
  const lower = name.toLowerCase();
  if (lower.startsWith('on') || lower === 'style' || lower === 'srcdoc') throw new Error(`attribute ${name} is not allowed`);
  const text = value === true ? '' : String(value);
  if ((lower === 'href' || lower === 'src' || lower === 'action' || lower === 'xlink:href') && !/^\/(?!\/)|^#|^\?/.test(text))
    throw new Error(`only local URLs are allowed in ${name}`);
  el.setAttribute(name, text);
}

function append(el: DomElement, child: Child): void {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) {
    for (const c of child as readonly Child[]) append(el, c);
    return;
  }
  if (typeof child === 'string' || typeof child === 'number') el.appendChild(browser.document.createTextNode(String(child)));
  else el.appendChild(child as DomNode);
}

function build(el: DomElement, props: Props | undefined, children: readonly Child[]): DomElement {
  if (props?.class) el.setAttribute('class', props.class);
  for (const [k, v] of Object.entries(props?.attrs ?? {})) setAttr(el, k, v);
  for (const [type, fn] of Object.entries(props?.on ?? {})) el.addEventListener(type, fn);
  for (const c of children) append(el, c);
  return el;
}

/** An HTML element; strings among `children` become text nodes. */
export function h(tag: string, props?: Props, ...children: Child[]): DomElement {
  return build(browser.document.createElement(tag), props, children);
}

/** An SVG element. */
export function s(tag: string, attrs: Record<string, AttrValue> = {}, ...children: Child[]): DomElement {
  const el = browser.document.createElementNS(SVG_NS, tag);
  const { class: cls, ...rest } = attrs;
  return build(el, { ...(cls === undefined || cls === null ? {} : { class: String(cls) }), attrs: rest }, children);
}

/** A link inside the dashboard (navigated without reloading). */
export function link(href: string, ...children: Child[]): DomElement {
  return h('a', { attrs: { href } }, ...children);
}
