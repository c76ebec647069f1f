// Prometheus metrics: one registry for the process.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

export const commandsTotal = new Counter({
  name: 'fieldwork_commands_total',
  help: 'Commands decided, by type and outcome (applied, rejected, replayed)',
  labelNames: ['type', 'outcome'] as const,
  registers: [registry],
});

export const commandDuration = new Histogram({
  name: 'fieldwork_command_duration_seconds',
  help: 'Time to decide one command, transaction included',
  labelNames: ['type'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});

export const commandGroupsTotal = new Counter({
  name: 'fieldwork_command_groups_total',
  help: 'Groups of commands decided in one transaction (commands/group.ts): committed, one member taken out to decide alone (the rest regrouped), or all redone one by one',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export const httpDuration = new Histogram({
  name: 'fieldwork_http_request_duration_seconds',
  help: 'HTTP request latency by method, route pattern and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});
