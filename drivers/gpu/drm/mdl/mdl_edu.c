// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The DMA engine of QEMU's "edu" educational PCI device (1234:11e8), see
 * docs/specs/edu.txt in QEMU. It stands in for a GPU's copy engine so that a
 * test can prove the device reaches an allocation at its DMA addresses.
 *
 * The engine moves at most 4 KiB between system memory and a buffer inside
 * the device, one direction per transfer, so a copy is two transfers staged
 * through that buffer. QEMU completes each transfer from a timer about
 * 100 ms after it is started; polling is as good as an interrupt here and
 * keeps the driver free of IRQ plumbing.
 */

#include <linux/device.h>
#include <linux/io.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/iopoll.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include <linux/time64.h>

#include "mdl_drv.h"

#define EDU_REG_ID		0x00
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_COUNT	0x90
#define EDU_REG_DMA_CMD		0x98

#define EDU_ID_MAGIC_MASK	0xff
#define EDU_ID_MAGIC		0xed

#define EDU_DMA_CMD_RUN		BIT(0)
#define EDU_DMA_CMD_TO_RAM	BIT(1)	/* clear: RAM -> device buffer */

/* Device address of the engine's buffer. */
#define EDU_DMA_BUF_ADDR	0x40000

/* Twenty times QEMU's fixed 100 ms, for a loaded host. */
#define EDU_DMA_TIMEOUT_US	(2 * USEC_PER_SEC)
#define EDU_DMA_POLL_US		5000

/*
 * The engine ignores register writes while a transfer runs, so wait for
 * it to be idle both before programming it and for completion.
 */
static int mdl_edu_wait_idle(struct mdl_edu *edu)
{
	u64 cmd;
	int ret;

	ret = readq_poll_timeout(edu->mmio + EDU_REG_DMA_CMD, cmd,
				 !(cmd & EDU_DMA_CMD_RUN), EDU_DMA_POLL_US,
				 EDU_DMA_TIMEOUT_US);
	if (ret)
		dev_err_ratelimited(edu->dev, "edu DMA engine stuck (cmd %#llx)\n",
				    cmd);
	return ret;
}

static int mdl_edu_transfer(struct mdl_edu *edu, u64 src, u64 dst, size_t len,
			    u64 cmd)
{
	int ret;

	ret = mdl_edu_wait_idle(edu);
	if (ret)
		return ret;

	writeq(src, edu->mmio + EDU_REG_DMA_SRC);
	writeq(dst, edu->mmio + EDU_REG_DMA_DST);
	writeq(len, edu->mmio + EDU_REG_DMA_COUNT);
	writeq(cmd | EDU_DMA_CMD_RUN, edu->mmio + EDU_REG_DMA_CMD);

	return mdl_edu_wait_idle(edu);
}

/**
 * mdl_edu_copy - copy through the engine, from one DMA address to another
 * @edu: the engine
 * @src: device (IOMMU logical) address of the source
 * @dst: device address of the destination
 * @len: bytes, 1 to MDL_EDU_XFER_MAX; each side must be DMA-contiguous
 *
 * The caller syncs the mappings; this only drives the device.
 *
 * Return: 0, -EINTR on a fatal signal while waiting for the engine,
 * -ETIMEDOUT if the engine does not finish.
 */
int mdl_edu_copy(struct mdl_edu *edu, dma_addr_t src, dma_addr_t dst,
		 size_t len)
{
	int ret;

	/* QEMU does not bound transfers to its buffer; we must. */
	if (WARN_ON(!len || len > MDL_EDU_XFER_MAX))
		return -EINVAL;

	ret = mutex_lock_killable(&edu->lock);
	if (ret)
		return ret;

	ret = mdl_edu_transfer(edu, src, EDU_DMA_BUF_ADDR, len, 0);
	if (!ret)
		ret = mdl_edu_transfer(edu, EDU_DMA_BUF_ADDR, dst, len,
				       EDU_DMA_CMD_TO_RAM);

	mutex_unlock(&edu->lock);

	return ret;
}

/**
 * mdl_edu_init - check that BAR0 is an edu device and set up its engine
 * @edu: the engine to initialise
 * @dev: the PCI device
 * @mmio: BAR0, mapped
 *
 * Return: 0, or -ENODEV if the identification register is wrong.
 */
int mdl_edu_init(struct mdl_edu *edu, struct device *dev, void __iomem *mmio)
{
	u32 id = readl(mmio + EDU_REG_ID);

	if ((id & EDU_ID_MAGIC_MASK) != EDU_ID_MAGIC) {
		dev_err(dev, "not an edu device (id %#x)\n", id);
		return -ENODEV;
	}

	edu->dev = dev;
	edu->mmio = mmio;
	mutex_init(&edu->lock);

	dev_info(dev, "edu v%u.%u DMA engine\n", id >> 24, (id >> 16) & 0xff);

	return 0;
}
