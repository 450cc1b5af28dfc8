import { expect } from 'chai';
import { parseResourcePath } from './resource-path.js';

describe('resource path', () => {
  it('parseResourcePath names the resource, its group and namespace', () => {
    expect(parseResourcePath('/api/v1/configmaps')).to.deep.equal({ resource: 'configmaps', grouped: false });
    expect(parseResourcePath('/api/v1/namespaces/kube-system/configmaps')).to.deep.equal({ resource: 'configmaps', namespace: 'kube-system', grouped: false });
    expect(parseResourcePath('/apis/multicluster.x-k8s.io/v1alpha1/serviceimports')).to.deep.equal({ resource: 'serviceimports.multicluster.x-k8s.io', grouped: true });
    expect(parseResourcePath('/apis/multicluster.x-k8s.io/v1alpha1/namespaces/a/serviceexports')).to.deep.equal({
      resource: 'serviceexports.multicluster.x-k8s.io',
      namespace: 'a',
      grouped: true,
    });
    // A collection named "namespaces" is not a namespace segment.
    expect(parseResourcePath('/api/v1/namespaces')).to.deep.equal({ resource: 'namespaces', grouped: false });
    // Karmada's cluster proxy prefix.
    expect(parseResourcePath('/apis/cluster.karmada.io/v1alpha1/clusters/m1/proxy/apis/discovery.k8s.io/v1/endpointslices').resource).to.equal('endpointslices.discovery.k8s.io');
  });
});
