import type { LineageOptions } from '../lineage/lineage-types';
import { verifyLineage } from '../lineage/verify-lineage';
import type { Policy } from '../policy/policy-types';
import type { CycloneDxBom } from './cyclonedx-types';
import { buildMlBom, type MlBomOptions } from './ml-bom';

export type ExportMlBomOptions = Omit<LineageOptions, 'lineage'> & MlBomOptions;

/**
 * Verifies the artifact's whole lineage against the policy (as `modelseal lineage`
 * does) and returns the CycloneDX 1.6 ML-BOM of it. Any refusal is thrown as the
 * lineage error: there is no partial BOM.
 */
export async function exportMlBom(artifact: string, policy: Policy, options: ExportMlBomOptions = {}): Promise<CycloneDxBom> {
  const { now, serialNumber, baseDir, ...lineage } = options;
  const graph = await verifyLineage(artifact, policy, { ...lineage, ...(now ? { now } : {}), lineage: true });
  return buildMlBom(graph, { ...(now ? { now } : {}), ...(serialNumber ? { serialNumber } : {}), ...(baseDir ? { baseDir } : {}) });
}
