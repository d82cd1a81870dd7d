import type { Rule } from '../types';
import { vsDestinationHostNotFound } from './vs-destination-host-not-found';

/** Every istio rule; each lives in its own file in this folder. */
export const istioRules: Rule[] = [vsDestinationHostNotFound];
