# SPDX-License-Identifier: GPL-2.0
#
# espvti: route-based IPsec interfaces.
#
#   make                 the module (espvti.ko) and the tool (tools/espvti/espvti)
#   make KDIR=...        against another kernel tree or headers
#   make W=1 C=1         with extra warnings and sparse
#   make style           checkpatch --strict over the C sources
#   make check           the test bench: KUnit + netns selftests in VMs
#   make demo            a two-site topology in the stock-kernel VM
#   make vm-shell        a shell in the stock-kernel VM (VM=debug: debug kernel)

KDIR ?= $(shell if [ -d /lib/modules/$$(uname -r)/build ]; then \
	echo /lib/modules/$$(uname -r)/build; \
	else ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1; fi)

all: module tool

module:
	@test -n "$(KDIR)" || { echo "no kernel headers: install linux-headers-amd64 or pass KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

tool:
	$(MAKE) -C tools/espvti

clean:
	@test -z "$(KDIR)" || $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C tools/espvti clean
	rm -rf tests/build

check:
	tests/check.sh

style:
	tests/style.sh

demo:
	tests/demo.sh

vm-shell:
	tests/vm/run.sh --kernel $(or $(VM),stock) --shell

.PHONY: all module tool clean check style demo vm-shell
