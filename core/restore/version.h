/* Which version of a group to restore when the backup holds several (Velero's
 * EnableAPIGroupVersions rules, pkg/restore/prioritize_group_version.go):
 *  1) the target's preferred version, if the backup has it;
 *  2) else the source's preferred version, if the target serves it;
 *  3) else the highest version (kube priority) both have;
 *  4) else the source's preferred version (the restore of that group will fail, loudly). */
#ifndef LB_RESTORE_VERSION_H
#define LB_RESTORE_VERSION_H

#include <stddef.h>

/* @backup: versions in the backup, the source-preferred first. @target: versions the
 * target serves for the resource, its preferred first (NULL/0 when it serves none).
 * Returns one of @backup's strings. */
const char *lb_restore_choose_version(const char *const *backup,
                                      size_t nbackup,
                                      const char *const *target,
                                      size_t ntarget);

#endif
