// POST /commands: a batch of commands from one device, applied in order; each answer is data.
import { Hono } from 'hono';
import { z } from 'zod';
import { commandEnvelope } from '@shared/commands';
import { rejection } from '@shared/rejections';
import type { Deps } from '../deps';
import { requireActor, type AuthEnv } from '../auth/middleware';
import { HttpError } from '../errors';
import { enforce } from '../ops/rate-limit';
import { DEVICE_TIME_HEADER } from '@shared/replication';
import { deviceClockOffset } from '../http/device-clock';
import { readJson } from '../http/read-json';
import { applyCommand, type CommandOutcome } from './apply';

export function commandRoutes(deps: Deps) {
  const batch = z.strictObject({ commands: z.array(z.unknown()).min(1).max(deps.config.COMMAND_BATCH_MAX) });
  return new Hono<AuthEnv>().post('/', requireActor(deps), async (c) => {
    const body = batch.safeParse(await readJson(c));
    if (!body.success)
      throw new HttpError('invalid_request', `Send {"commands": [...]} with 1 to ${deps.config.COMMAND_BATCH_MAX} commands.`, body.error.issues);
    const actor = c.get('actor');
    await enforce(
      deps.sql,
      { key: `commands:${actor.id}`, max: deps.config.COMMAND_RATE_PER_MIN, windowSeconds: 60 },
      deps.now(),
      'Too many actions in a minute. Your device will send the rest shortly.',
      body.data.commands.length,
    );
    const deviceClockOffsetMs = deviceClockOffset(c.req.header(DEVICE_TIME_HEADER), deps.now());
    // In order: a device's later commands may build on its earlier ones (post a gig, then edit it).
    const results: (CommandOutcome | { index: number; status: 'rejected'; rejection: ReturnType<typeof rejection> })[] = [];
    for (const [index, raw] of body.data.commands.entries()) {
      const env = commandEnvelope.safeParse(raw);
      if (!env.success) {
        // Without a valid id there is nothing to remember the refusal under; answer it and move on.
        results.push({ index, status: 'rejected', rejection: rejection('invalid_command', `Command ${index} is malformed: ${env.error.issues[0]?.path.join('.')} ${env.error.issues[0]?.message}`) });
        continue;
      }
      results.push(await applyCommand(deps.sql, actor.id, env.data, { now: deps.now, deviceClockOffsetMs }));
    }
    return c.json({ results });
  });
}
