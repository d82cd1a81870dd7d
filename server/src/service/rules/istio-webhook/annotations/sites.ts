import type { PathSeg } from '../../../model';
import { get, isObj, obj, type Obj, type Resource } from '../../../workspace';
import { isIstioAnnotation, type AnnotationTarget } from './table';

/** Where annotations live in a resource: its own metadata, and the pod template of a workload. */
export interface AnnotationSite {
  /** The kind the annotations apply to: `Pod` for pod templates. */
  kind: string;
  /** Path of the `metadata` map holding `annotations` and `labels`. */
  metaPath: PathSeg[];
  annotations: Obj;
  labels: Obj;
  /** For a workload's own metadata: the path of its pod template's metadata. */
  templateMetaPath?: PathSeg[];
}

/** The kinds the annotation rules look at (istioctl checks Namespaces, Services, Pods and Deployments). */
export const ANNOTATED_KINDS = ['/Namespace', '/Service', '/Pod', 'apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet', 'apps/ReplicaSet', 'batch/Job', 'batch/CronJob'];

export function templateMetaPath(res: Resource): PathSeg[] | undefined {
  switch (res.gk) {
    case 'apps/Deployment':
    case 'apps/StatefulSet':
    case 'apps/DaemonSet':
    case 'apps/ReplicaSet':
    case 'batch/Job':
      return ['spec', 'template', 'metadata'];
    case 'batch/CronJob':
      return ['spec', 'jobTemplate', 'spec', 'template', 'metadata'];
    default:
      return undefined;
  }
}

export function annotationSites(res: Resource): AnnotationSite[] {
  const meta = obj(res.obj.metadata);
  const tpl = templateMetaPath(res);
  const out: AnnotationSite[] = [
    { kind: res.kind, metaPath: ['metadata'], annotations: obj(meta.annotations), labels: obj(meta.labels), templateMetaPath: tpl },
  ];
  if (tpl) {
    const tmeta = get(res.obj, ...(tpl as Array<string | number>));
    if (isObj(tmeta)) out.push({ kind: 'Pod', metaPath: tpl, annotations: obj(tmeta.annotations), labels: obj(tmeta.labels) });
  }
  return out;
}

export function belongsOn(targets: AnnotationTarget[], kind: string): boolean {
  return targets.includes('Any') || (targets as string[]).includes(kind);
}

/** An annotation value as text (annotations must be strings; YAML may have parsed `true` or `80`). */
export function annotationText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** The annotations of a site that are in Istio's namespace. */
export function istioAnnotations(site: AnnotationSite): string[] {
  return Object.keys(site.annotations).filter(isIstioAnnotation);
}
