import type { Rng } from './text';

export type Severity = 'error' | 'warning' | 'info' | 'hint';

export interface Fix {
  title: string;
  edits: Array<{ range: Rng; newText: string }>;
  preferred?: boolean;
}

/** A diagnostic in segment- or file-relative positions (see the function that returns it). */
export interface MeshDiagnostic {
  range: Rng;
  severity: Severity;
  rule: string;
  code?: string | null;
  message: string;
  fixes?: Fix[];
}

/** Identifies the resource a diagnostic belongs to (the DESIGN.md JSON shape). */
export interface ResourceRef {
  apiVersion: string | null;
  kind: string | null;
  namespace: string | null;
  name: string | null;
}

export type PathSeg = string | number;
