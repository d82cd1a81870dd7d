import type { Rule } from '../types';

/** Every linkerd rule; each lives in its own file in this folder. */
export const linkerdRules: Rule[] = [];
