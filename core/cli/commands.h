/* Entry points of the commands, one per cmd_<name>.c. */
#ifndef LB_CLI_COMMANDS_H
#define LB_CLI_COMMANDS_H

#include "cli.h"

int lb_cmd_version(lb_cli *cli);
int lb_cmd_backup(lb_cli *cli);
int lb_cmd_restore(lb_cli *cli);
int lb_cmd_fscopy(lb_cli *cli);
int lb_cmd_plugin(lb_cli *cli);
int lb_cmd_task(lb_cli *cli);

#endif
