import type { Rule } from '../types';

/** Every practice rule; each lives in its own file in this folder. */
export const practiceRules: Rule[] = [];
