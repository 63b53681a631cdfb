/**
 * Structural schema of the CloudNativePG `Cluster` (postgresql.cnpg.io/v1) fields Gatehouse
 * may use, written from the CloudNativePG API reference. No npm package ships the CRD's
 * schema, so this is the documented stand-in: the TypeScript check rejects unknown fields
 * and wrong types in these parts; fields outside it must be added here deliberately.
 */
interface CnpgResources {
  requests?: { cpu?: string | number; memory?: string };
  limits?: { cpu?: string | number; memory?: string };
}

interface CnpgStorage {
  size: string;
  storageClass?: string;
  resizeInUseVolumes?: boolean;
}

/** `apiVersion: postgresql.cnpg.io/v1`, `kind: Cluster`. */
export interface ICnpgCluster {
  apiVersion: 'postgresql.cnpg.io/v1';
  kind: 'Cluster';
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    description?: string;
    instances: number;
    imageName?: string;
    imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
    primaryUpdateStrategy?: 'unsupervised' | 'supervised';
    primaryUpdateMethod?: 'switchover' | 'restart';
    enableSuperuserAccess?: boolean;
    startDelay?: number;
    stopDelay?: number;
    storage: CnpgStorage;
    walStorage?: CnpgStorage;
    bootstrap?: {
      initdb?: {
        database?: string;
        owner?: string;
        secret?: { name: string };
        encoding?: string;
        localeCollate?: string;
        localeCType?: string;
        dataChecksums?: boolean;
        postInitSQL?: string[];
        postInitApplicationSQL?: string[];
        postInitTemplateSQL?: string[];
      };
    };
    postgresql?: { parameters?: Record<string, string>; pg_hba?: string[] };
    affinity?: {
      enablePodAntiAffinity?: boolean;
      topologyKey?: string;
      podAntiAffinityType?: 'preferred' | 'required';
      nodeSelector?: Record<string, string>;
    };
    resources?: CnpgResources;
    monitoring?: { enablePodMonitor?: boolean };
  };
}

/** Metadata of a namespaced custom resource. */
interface CrdMetadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** cert-manager `Issuer` (cert-manager.io/v1), the parts Gatehouse uses: self-signed or CA. */
export interface ICertManagerIssuer {
  apiVersion: 'cert-manager.io/v1';
  kind: 'Issuer';
  metadata: CrdMetadata;
  spec: { selfSigned?: { crlDistributionPoints?: string[] }; ca?: { secretName: string } };
}

/** cert-manager `Certificate` (cert-manager.io/v1), written from the cert-manager API reference. */
export interface ICertManagerCertificate {
  apiVersion: 'cert-manager.io/v1';
  kind: 'Certificate';
  metadata: CrdMetadata;
  spec: {
    secretName: string;
    issuerRef: { name: string; kind?: 'Issuer' | 'ClusterIssuer'; group?: string };
    commonName?: string;
    dnsNames?: string[];
    isCA?: boolean;
    duration?: string;
    renewBefore?: string;
    usages?: ('server auth' | 'client auth' | 'digital signature' | 'key encipherment' | 'cert sign')[];
    privateKey?: { algorithm?: 'RSA' | 'ECDSA' | 'Ed25519'; size?: number; rotationPolicy?: 'Never' | 'Always'; encoding?: 'PKCS1' | 'PKCS8' };
  };
}
