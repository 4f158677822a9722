// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_model.c - the registry of consistency models.
 *
 * Each model (dsm_sc.c, dsm_lrc.c) registers its ops table at module
 * load, under its enum dsm_model id; everything else reaches a model only
 * through the registry: the page store by a region's model
 * (dsm_model_get()), the dispatcher by a message type's owner, and the
 * node-wide events (a node down, dsmd gone, a file closed, a page made or
 * freed) by calling every model in turn.
 *
 * The table is written only at load and unload, when nothing else runs
 * (before /dev/dsm, netlink and the transport exist, and after they are
 * gone), so readers take no lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/printk.h>

#include "dsm_internal.h"
#include "dsm_model.h"

static const struct dsm_model_ops *dsm_models[__DSM_MODEL_MAX];

/**
 * dsm_model_register() - make model @ops available under @ops->id.
 * @ops:	the model; valid until unregistered.
 *
 * At module load only. Return: 0, -EINVAL for an id out of range or a
 * table without its mandatory calls, -EBUSY if the id is taken.
 */
int dsm_model_register(const struct dsm_model_ops *ops)
{
	if (ops->id >= __DSM_MODEL_MAX || !ops->fault || !ops->write_fault ||
	    !ops->start || !ops->acquire || !ops->release || !ops->barrier ||
	    !ops->node_down || !ops->pg_free) {
		pr_err("model %s: bad ops table\n", ops->name);
		return -EINVAL;
	}
	if (dsm_models[ops->id])
		return -EBUSY;
	dsm_models[ops->id] = ops;
	return 0;
}

/* At unload, or when the load fails, with nothing else running. */
void dsm_model_unregister(const struct dsm_model_ops *ops)
{
	if (ops->id < __DSM_MODEL_MAX && dsm_models[ops->id] == ops)
		dsm_models[ops->id] = NULL;
}

/* The model registered as @id (enum dsm_model), or NULL. */
const struct dsm_model_ops *dsm_model_get(unsigned int id)
{
	return id < __DSM_MODEL_MAX ? dsm_models[id] : NULL;
}

/**
 * dsm_models_pg_init() - let every model set up a new page.
 * @pg:	the page, not yet visible to anyone else.
 *
 * Return: 0, or the first model's error (what was made is freed).
 */
int dsm_models_pg_init(struct dsm_pg *pg)
{
	unsigned int i;
	int ret;

	for (i = 0; i < __DSM_MODEL_MAX; i++) {
		if (!dsm_models[i] || !dsm_models[i]->pg_init)
			continue;
		ret = dsm_models[i]->pg_init(pg);
		if (ret) {
			dsm_models_pg_free(pg);
			return ret;
		}
	}
	return 0;
}

/* Every model frees what it holds of @pg (unload, or a failed init). */
void dsm_models_pg_free(struct dsm_pg *pg)
{
	unsigned int i;

	for (i = 0; i < __DSM_MODEL_MAX; i++)
		if (dsm_models[i])
			dsm_models[i]->pg_free(pg);
}

/*
 * @pg's region was deleted: every model forgets its state of the page
 * (folio locked if it has one; see dsm_mem_teardown()).
 */
void dsm_models_pg_reset(struct dsm_pg *pg)
{
	unsigned int i;

	for (i = 0; i < __DSM_MODEL_MAX; i++)
		if (dsm_models[i] && dsm_models[i]->pg_reset)
			dsm_models[i]->pg_reset(pg);
}

/* Node @id was declared dead: every model fails what waits on it. */
void dsm_models_node_down(u32 id)
{
	unsigned int i;

	for (i = 0; i < __DSM_MODEL_MAX; i++)
		if (dsm_models[i])
			dsm_models[i]->node_down(id);
}

/* Each model's leave, in turn. Return: 0, or the first error. */
int dsm_models_leave(void)
{
	unsigned int i;
	int err = 0;

	for (i = 0; i < __DSM_MODEL_MAX && !err; i++)
		if (dsm_models[i] && dsm_models[i]->leave)
			err = dsm_models[i]->leave();
	return err;
}

/* dsmd exited: models that use its managers fail what waits on them. */
void dsm_models_daemon_gone(void)
{
	unsigned int i;

	for (i = 0; i < __DSM_MODEL_MAX; i++)
		if (dsm_models[i] && dsm_models[i]->daemon_gone)
			dsm_models[i]->daemon_gone();
}

/* Open file @f is being closed: models drop what it holds. */
void dsm_models_file_release(struct dsm_file *f)
{
	unsigned int i;

	for (i = 0; i < __DSM_MODEL_MAX; i++)
		if (dsm_models[i] && dsm_models[i]->file_release)
			dsm_models[i]->file_release(f);
}
