import type { Compilable, CompiledQuery } from 'kysely';

/**
 * A query built and compiled by Kysely once, with a marker for each value that changes, and run
 * afterwards with new values in the markers' places. For a short statement on the verify path
 * (a guarded charge), building and compiling the query costs about as much as the database
 * running it. The SQL is the builder's own, so it is in the dialect of the `build`'s database,
 * and runs on that database or any transaction of it (`executeQuery`).
 */
export function precompiled<Name extends string, Row>(
  names: readonly Name[],
  // The markers stand in for values of whatever type each column wants, so the builder sees `any`.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  build: (values: Record<Name, any>) => Compilable<Row>,
): (values: Record<Name, unknown>) => CompiledQuery<Row> {
  const markers = new Map(names.map((name) => [{ marker: name } as unknown, name]));
  const compiled = build(Object.fromEntries([...markers].map(([marker, name]) => [name, marker])) as Record<Name, unknown>).compile();
  const slots = compiled.parameters.map((parameter) => markers.get(parameter));
  const unused = names.filter((name) => !slots.includes(name));
  if (unused.length > 0) throw new Error(`precompiled query does not use ${unused.join(', ')}: ${compiled.sql}`);
  return (values) => ({ ...compiled, parameters: slots.map((name, i) => (name === undefined ? compiled.parameters[i] : values[name])) });
}
