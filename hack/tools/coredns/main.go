// Command coredns is CoreDNS v1.14 with only the plugins that kubeadm's
// default Corefile (and our tests) use. Upstream's own main imports every
// plugin; trimming keeps the build small on a 2-core machine.
//
// A Corefile that uses a plugin not listed here fails at startup with
// "no action found for directive ... (missing a plugin?)" — the same error a
// real CoreDNS image without that plugin gives.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	// The plugins of kubeadm's default Corefile
	// (cmd/kubeadm/app/phases/addons/dns/manifests.go).
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/forward"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/loop"
	_ "github.com/coredns/coredns/plugin/metrics"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/reload"
	// Used by the local environment and by Corefiles users commonly write.
	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/header"
	_ "github.com/coredns/coredns/plugin/hosts"
	_ "github.com/coredns/coredns/plugin/whoami"
)

// The directive order decides the plugin chain; it must stay upstream's.
var _ = dnsserver.Directives

func main() { coremain.Run() }
