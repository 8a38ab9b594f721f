/**
 * Colours for chart series, each ≥ 3:1 against white (WCAG's bar for graphics). Verification
 * outcomes keep the same colour on every chart; other series take the palette in order.
 */
const OUTCOMES: Record<string, string> = {
  VALID: '#1a7f37',
  NOT_FOUND: '#6e7781',
  REVOKED: '#b42318',
  EXPIRED: '#8a5a00',
  DISABLED: '#57606a',
  RATE_LIMITED: '#8250df',
  USAGE_EXCEEDED: '#bc4c00',
  INSUFFICIENT_PERMISSIONS: '#0969da',
  FORBIDDEN: '#cf222e',
};

const PALETTE = ['#1f4e79', '#1a7f37', '#bc4c00', '#8250df', '#b42318', '#0969da', '#8a5a00', '#6e7781', '#bf3989', '#116329'];

export function seriesColour(label: string, index: number): string {
  return OUTCOMES[label] ?? PALETTE[index % PALETTE.length]!;
}
