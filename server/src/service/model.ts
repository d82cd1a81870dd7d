import type { Rng } from './text';

export type Severity = 'error' | 'warning' | 'info' | 'hint';

export interface Fix {
  title: string;
  /** Edits in file positions; `uri` names another file than the diagnostic's (absent: the same file). */
  edits: Array<{ range: Rng; newText: string; uri?: string }>;
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
