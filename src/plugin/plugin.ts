import { Plugin } from '@livekit/agents';

export const PACKAGE_NAME = 'livekit-conversation-log';
export const PACKAGE_VERSION = '0.1.0';

/** Registers the package with @livekit/agents, as agents-js plugin packages do. */
export class ConversationLogPlugin extends Plugin {
  constructor() {
    super({ title: 'conversation-log', version: PACKAGE_VERSION, package: PACKAGE_NAME });
  }
}
